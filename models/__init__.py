"""Model adapters: OCR engines (models.ocr) and NLP components (models.nlp)."""
