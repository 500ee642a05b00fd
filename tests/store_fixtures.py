"""Store fixtures shared by the storage, ingest and Celery tests.

`db_url` runs a test against SQLite (a fresh file per test) and PostgreSQL (one database created for the
test session with a unique name and dropped at its end; tables emptied before each test). PostgreSQL
tests skip, saying why, when no server answers on localhost.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from docintel.store.db import dispose_all, get_engine
from docintel.store.models import Base

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "invoices"


def digital_pdfs() -> list[Path]:
    """The bundled text-layer PDF invoices: read without OCR, so fast."""
    return sorted(SAMPLES.glob("*_pdf*.pdf"))


def distinct_copies(target: Path, count: int) -> list[Path]:
    """`count` PDFs with distinct bytes: sample PDFs with a trailing comment readers ignore."""
    target.mkdir(parents=True, exist_ok=True)
    sources = digital_pdfs()
    made = []
    for i in range(count):
        source = sources[i % len(sources)]
        path = target / f"{i:02d}_{source.name}"
        path.write_bytes(source.read_bytes() + f"\n% copy {target.name} {i}\n".encode())
        made.append(path)
    return made


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    name = f"docintel_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # no server, no rights: the SQLite half still runs
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {type(exc).__name__}: {exc}")
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        dispose_all()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'docintel.db'}"
    return empty_postgres(request.getfixturevalue("pg_database"))


def empty_postgres(url: str) -> str:
    """Empty every table of the session's PostgreSQL database (TRUNCATE is allowed on append-only tables)."""
    engine = get_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    return url
