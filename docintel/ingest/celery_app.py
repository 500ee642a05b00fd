"""Scale-out: the same per-file task on Celery workers sharing the PostgreSQL store and the blob directory.

Broker from DOCINTEL_BROKER_URL (redis://127.0.0.1:6379/0 by default, or amqp://guest:guest@host:5672//).
acks_late + reject_on_worker_lost: a task is acknowledged only after it finished, so a worker killed
mid-task leaves it on the queue to be redone; the task is idempotent, so redoing it is harmless.
Results go to the store, not to a Celery result backend: the coordinator polls the store.
"""

from __future__ import annotations

import os

from celery import Celery

from docintel import sniff
from docintel.ingest.tasks import process_stored
from docintel.store.blobs import BlobStore
from docintel.store.db import get_engine, transaction
from docintel.store.repository import case_id_for, record_source
from docintel.store.settings import database_url
from docintel.store.verification import verify_stored_case

DEFAULT_BROKER = "redis://127.0.0.1:6379/0"
QUEUE = "docintel"

app = Celery("docintel", broker=os.environ.get("DOCINTEL_BROKER_URL") or DEFAULT_BROKER)
app.conf.update(
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_ignore_result=True,
    task_default_queue=QUEUE,
    task_serializer="json",
    accept_content=["json"],
    broker_connection_retry_on_startup=True,
    # Redis redelivers an unacknowledged task after this long; it must exceed the slowest file.
    broker_transport_options={"visibility_timeout": 3600},
)


@app.task(name="docintel.process_blob")
def process_blob(sha256: str, path: str, case_key: str, item_id: int | None = None) -> dict[str, object]:
    """Process the stored blob `sha256`, found at `path` in case `case_key`, and save it idempotently."""
    url = database_url()
    engine = get_engine(url)
    blobs = BlobStore()
    data = blobs.get(sha256)
    # Record the source too, so a task enqueued by anyone (not only `docintel ingest`) is complete.
    with transaction(engine) as session:
        case_id = case_id_for(session, case_key)
        media_type = sniff.sniff_media_type(data)
        record_source(session, sha256=sha256, size=len(data), media_type=media_type, path=path, case_id=case_id)
    result = process_stored(url, str(blobs.root), sha256, path, item_id)
    # The worker that finishes a case's last file verifies it (a no-op while files are pending or
    # when nothing changed; the case row lock stops two workers from verifying it twice).
    verify_stored_case(engine, case_id)
    return {"sha256": result.sha256, "pages": result.pages, "documents": result.documents, "saved": result.saved}
