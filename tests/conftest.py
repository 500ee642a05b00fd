"""Shared fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Store fixtures (db_url over SQLite and PostgreSQL, pg_database) for the storage and ingest tests.
pytest_plugins = ["tests.store_fixtures"]

# The real public documents live beside the repository (shared/realdata), not inside it.
REALDATA_DIR = Path(os.environ.get("DOCINTEL_REALDATA", Path(__file__).resolve().parents[2] / "shared" / "realdata"))


@pytest.fixture(scope="session")
def realdata() -> Path:
    """The real-data folder (files/, labels/, MANIFEST.tsv); skips the test where it is absent."""
    if not (REALDATA_DIR / "files").is_dir():
        pytest.skip(f"real data not found at {REALDATA_DIR} (set DOCINTEL_REALDATA)")
    return REALDATA_DIR
