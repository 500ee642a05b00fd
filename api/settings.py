"""API settings: where the store is, upload limits, and which queue processes uploads."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from docintel.ingest.walk import ZipLimits
from docintel.store.settings import blob_dir, database_url, docintel_home

MiB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class ApiSettings:
    database_url: str = field(default_factory=database_url)
    blob_root: Path = field(default_factory=blob_dir)
    home: Path = field(default_factory=docintel_home)  # page-image cache and upload temp files live here
    max_file_bytes: int = 50 * MiB  # one uploaded part
    max_request_bytes: int = 200 * MiB  # the whole multipart body
    max_files: int = 100  # parts per request, and files per request once zips are expanded
    zip_limits: ZipLimits = field(default_factory=lambda: ZipLimits(max_members=1000, max_total_bytes=500 * MiB))
    # Processing: Celery when a broker is configured, else a local pool of `workers` processes
    # (0: one in-process thread, for tests and tiny deployments).
    broker_url: str | None = field(default_factory=lambda: os.environ.get("DOCINTEL_BROKER_URL") or None)
    workers: int = field(default_factory=lambda: int(os.environ.get("DOCINTEL_API_WORKERS", "1")))
    page_dpi: int = 100

    @property
    def page_cache(self) -> Path:
        return self.home / "pages"

    @property
    def upload_tmp(self) -> Path:
        return self.home / "tmp"
