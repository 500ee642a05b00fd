"""Bulk ingestion: walk folders and zip archives, store originals, process them, record everything."""
