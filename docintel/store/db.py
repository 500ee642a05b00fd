"""Database engines and sessions, one engine per (URL, process), schema brought to head on first use.

SQLite runs in WAL mode with foreign keys on, and every transaction starts with BEGIN IMMEDIATE: with
several worker processes writing, a deferred transaction that reads first and writes later can fail
with SQLITE_BUSY at once instead of waiting; taking the write lock up front lets busy_timeout queue it.
Threads of one process also queue on a lock per SQLite engine before BEGIN: SQLite's busy handler waits
by sleeping (up to 100 ms a try), so many threads of one server contending for the file would each
sleep far longer than the transactions they wait for take.

Reads that write nothing use `read_transaction`: a plain (deferred) BEGIN without that lock. In WAL mode
readers see the last committed state and never wait for the writer, so an API request that only looks
something up does not queue behind uploads and workers saving results.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from docintel.store.settings import database_url

SQLITE_BUSY_TIMEOUT_MS = 60_000
_READ_ONLY = "docintel_read_only"

_engines: dict[tuple[str, int], Engine] = {}
_sqlite_locks: dict[int, threading.RLock] = {}  # id(engine) → lock; engines live as long as the process
_readers: dict[int, Engine] = {}  # id(engine) → the same engine with read-only transactions
_migrated: set[str] = set()
_lock = threading.Lock()


def _make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        # A server's thread pool (40 threads) reads concurrently: keep that many connections pooled
        # rather than opening (and setting pragmas on) a new one for each read over the default 5.
        engine = create_engine(
            url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, pool_size=20, max_overflow=30
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA synchronous=NORMAL")  # durable in WAL mode up to the last checkpoint
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection) -> None:  # type: ignore[no-untyped-def]
            read_only = connection.get_execution_options().get(_READ_ONLY, False)
            connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True)


def get_engine(url: str | None = None, *, migrate: bool = True) -> Engine:
    """The engine for `url` (default: the configured store) in this process, schema upgraded to head.

    Keyed by pid too: a forked child must never reuse the parent's pooled connections.
    """
    url = url or database_url()
    key = (url, os.getpid())
    with _lock:
        engine = _engines.get(key)
        if engine is None:
            engine = _engines[key] = _make_engine(url)
    if migrate and url not in _migrated:
        from docintel.store.migrate import upgrade_to_head

        upgrade_to_head(engine)
        _migrated.add(url)
    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def _thread_lock(engine: Engine) -> threading.RLock | None:
    if engine.dialect.name != "sqlite":
        return None
    with _lock:
        return _sqlite_locks.setdefault(id(engine), threading.RLock())


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One session, one transaction: committed when the block ends, rolled back if it raises."""
    with _thread_lock(engine) or nullcontext(), session_factory(engine).begin() as session:
        yield session


@contextmanager
def read_transaction(engine: Engine) -> Iterator[Session]:
    """A transaction for lookups only: on SQLite it neither takes the write lock nor queues behind
    writers (WAL readers see the last commit). Anything written in it is rolled back, never committed."""
    reader = engine
    if engine.dialect.name == "sqlite":
        with _lock:
            if id(engine) not in _readers:
                _readers[id(engine)] = engine.execution_options(**{_READ_ONLY: True})
            reader = _readers[id(engine)]
    session = Session(reader, expire_on_commit=False)
    try:
        yield session
    finally:
        # close() hands the connection back to the pool, which rolls it back; loaded objects stay
        # usable (detached, not expired, unlike after session.rollback()).
        session.close()


def dispose_all() -> None:
    """Close every pooled connection of this process (tests drop databases afterwards)."""
    with _lock:
        for (url, pid), engine in list(_engines.items()):
            if pid == os.getpid():
                engine.dispose()
                _readers.pop(id(engine), None)
                _sqlite_locks.pop(id(engine), None)
                del _engines[(url, pid)]
                _migrated.discard(url)
