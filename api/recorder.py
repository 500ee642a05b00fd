"""Recording accepted uploads: many concurrent requests per transaction (group commit).

On SQLite every write transaction queues for the one write lock, and each pays BEGIN, COMMIT and a
session of its own: twenty uploads arriving together would wait for each other twenty times. One
recorder thread takes whatever uploads are waiting (their blobs already stored by their requests),
records them all in one transaction and answers each request. A request whose recording fails (a
bug, a constraint) must not fail the others: the batch is rolled back and each request retried in a
transaction of its own, so only the failing one sees its error.
"""

from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field

from sqlalchemy import Engine

from api.auth import Principal
from api.recording import Recorded, UploadRequest, record_uploads
from api.uploads import Candidate
from docintel.store.db import transaction

log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Upload:
    request: UploadRequest
    future: Future[Recorded] = field(default_factory=Future)


class UploadRecorder:
    MAX_BATCH = 64  # uploads per transaction: bounds how long one commit holds the write lock

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._waiting: queue.SimpleQueue[_Upload | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._closed = False

    def record(self, principal: Principal, case_id: int, candidates: list[Candidate]) -> Future[Recorded]:
        """Queue one upload for recording; the future gives its answer and the jobs to process."""
        upload = _Upload(UploadRequest(principal, case_id, candidates))
        with self._lock:
            if self._closed:
                raise RuntimeError("the upload recorder is closed")
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="docintel-recorder", daemon=True)
                self._thread.start()
            self._waiting.put(upload)
        return upload.future

    def close(self) -> None:
        with self._lock:
            self._closed = True
            thread = self._thread
            self._waiting.put(None)
        if thread is not None:
            thread.join(timeout=30)

    def _run(self) -> None:
        while True:
            first = self._waiting.get()
            if first is None:
                return
            batch = [first]
            stop = False
            while len(batch) < self.MAX_BATCH:
                try:
                    more = self._waiting.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                    break
                batch.append(more)
            self._commit(batch)
            if stop:
                return

    def _commit(self, batch: list[_Upload]) -> None:
        try:
            with transaction(self.engine) as session:
                results = record_uploads(session, [u.request for u in batch])
        except Exception:
            if len(batch) == 1:
                self._commit_alone(batch[0])
                return
            log.warning("recording %d uploads together failed; recording each alone", len(batch), exc_info=True)
            for upload in batch:
                self._commit_alone(upload)
            return
        for upload, result in zip(batch, results, strict=True):
            upload.future.set_result(result)

    def _commit_alone(self, upload: _Upload) -> None:
        try:
            with transaction(self.engine) as session:
                (result,) = record_uploads(session, [upload.request])
        except Exception as exc:
            upload.future.set_exception(exc)
        else:
            upload.future.set_result(result)
