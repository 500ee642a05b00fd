"""Durable store: SQLAlchemy models, the database engine, content-addressed blobs and the repository."""
