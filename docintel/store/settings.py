"""Where the store lives: DOCINTEL_HOME (default ~/.docintel), DOCINTEL_DATABASE_URL, DOCINTEL_BLOB_DIR."""

from __future__ import annotations

import os
from pathlib import Path


def docintel_home() -> Path:
    return Path(os.environ.get("DOCINTEL_HOME") or Path.home() / ".docintel").expanduser()


def database_url() -> str:
    """DOCINTEL_DATABASE_URL for a shared PostgreSQL; else an embedded SQLite file under DOCINTEL_HOME."""
    url = os.environ.get("DOCINTEL_DATABASE_URL")
    if url:
        return url
    home = docintel_home()
    home.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{home / 'docintel.db'}"


def blob_dir() -> Path:
    return Path(os.environ.get("DOCINTEL_BLOB_DIR") or docintel_home() / "blobs").expanduser()
