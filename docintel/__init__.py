"""docintel: read, extract and verify the documents behind a loan."""

__version__ = "0.1.0"
