"""One extractor module per document type."""
