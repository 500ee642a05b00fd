"""The unit of work, shared by the local process pool and Celery: process one stored blob and save it.

It reads the original from the blob store (never from where it was found), so it can run on any machine
that shares the database and the blob directory, and it is idempotent: redoing it saves nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from docintel.pipeline import process_bytes
from docintel.readers import ReadOptions
from docintel.store.blobs import BlobStore
from docintel.store.db import get_engine
from docintel.store.repository import file_outcome, save_processed


@dataclass(frozen=True, slots=True)
class FileResult:
    sha256: str
    pages: int
    documents: int
    failed: bool
    saved: bool  # False: an earlier run or another worker had already saved this file


def process_stored(
    db_url: str, blob_root: str, sha256: str, path: str, item_id: int | None, options: ReadOptions | None = None
) -> FileResult:
    engine = get_engine(db_url, migrate=False)  # the coordinator migrated before handing out work
    data = BlobStore(blob_root).get(sha256)
    documents = process_bytes(path, data, options)
    saved = save_processed(engine, sha256, documents, item_id)
    state, _ = file_outcome(documents)
    return FileResult(
        sha256=sha256,
        pages=len({n for d in documents for n in d.page_numbers}),
        documents=len(documents),
        failed=state.value == "failed",
        saved=saved,
    )
