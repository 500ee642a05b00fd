"""How fast the officer's case queue and case page answer over a large store.

    python benchmarks/queue_load.py [--cases 10000] [--repeat 5] [--database-url URL]

Fills a fresh store (a temp SQLite file by default) with N cases shaped like real dossiers: 5 files
each (contract, 2 invoices, receipt, statements → 7 documents), document findings on about a third of
the invoices, 0–3 case findings per case, reviews on a tenth of the findings; then logs in through the
web app (a real session cookie) and times, through the ASGI app in-process, the first and a deep queue
page, filtered pages and one case page. Prints median and worst milliseconds per request.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient
from rich.console import Console
from rich.table import Table
from sqlalchemy import insert

from api.app import create_app
from api.auth import create_user
from api.settings import ApiSettings
from docintel.store.db import get_engine
from docintel.store.models import Case, Document, Finding, ReviewEvent, Role, SourceFile, SourcePath

CODES = [
    ("payee_mismatch", "high"),
    ("counterparty_mismatch", "high"),
    ("implausible_quantity", "medium"),
    ("amount_inconsistent", "medium"),
    ("timeline_inconsistent", "medium"),
    ("missing_document", "info"),
]
DOC_TYPES = ["purchase_contract", "vat_invoice", "vat_invoice", "bank_receipt", "balance_sheet"]


def fill(url: str, cases: int, seed: int = 5) -> None:
    rng = random.Random(seed)
    engine = get_engine(url)
    now = datetime.now(UTC)
    with engine.begin() as connection:
        connection.execute(
            insert(Case),
            [
                {"id": i, "key": f"LN{i:08d}", "branch": f"分行{i % 20:02d}", "created_at": now}
                for i in range(1, cases + 1)
            ],
        )
        files, paths, documents, findings, reviews = [], [], [], [], []
        doc_id = finding_id = 0
        for case_id in range(1, cases + 1):
            for n, doc_type in enumerate(DOC_TYPES):
                sha = hashlib.sha256(f"{case_id}/{n}".encode()).hexdigest()
                files.append(
                    {
                        "sha256": sha,
                        "size": 1000,
                        "media_type": "application/pdf",
                        "state": "done",
                        "pages": 1,
                        "created_at": now,
                        "processed_at": now,
                    }
                )
                paths.append(
                    {
                        "path": f"/archive/LN{case_id:08d}/{n}.pdf",
                        "version": 1,
                        "sha256": sha,
                        "case_id": case_id,
                        "created_at": now,
                    }
                )
                doc_id += 1
                documents.append(
                    {
                        "id": doc_id,
                        "sha256": sha,
                        "part": 1,
                        "doc_type": doc_type,
                        "status": "success",
                        "page_numbers": [1],
                        "fields": {},
                        "items": [],
                        "errors": [],
                        "created_at": now,
                    }
                )
                if doc_type == "vat_invoice" and rng.random() < 0.33:
                    finding_id += 1
                    findings.append(_finding(finding_id, rng, doc_id=doc_id, now=now))
            for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
                finding_id += 1
                findings.append(_finding(finding_id, rng, case_id=case_id, now=now))
        for f in findings:
            if rng.random() < 0.1:
                reviews.append(
                    {
                        "finding_id": f["id"],
                        "user_name": "officer",
                        "decision": rng.choice(["confirmed", "dismissed", "needs_info"]),
                        "comment": "…",
                        "at": now,
                    }
                )
        for table, rows in (
            (SourceFile, files),
            (SourcePath, paths),
            (Document, documents),
            (Finding, findings),
            (ReviewEvent, reviews),
        ):
            for start in range(0, len(rows), 5000):
                connection.execute(insert(table), rows[start : start + 5000])


def _finding(
    finding_id: int, rng: random.Random, now: datetime, doc_id: int | None = None, case_id: int | None = None
) -> dict[str, object]:
    code, severity = rng.choice(CODES)
    return {
        "id": finding_id,
        "document_id": doc_id,
        "case_id": case_id,
        "code": code,
        "severity": severity,
        "message": "…",
        "rule": f"case.{code}",
        "inputs": {},
        "evidence": [],
        "created_at": now,
    }


def timed(client: TestClient, url: str, repeat: int) -> tuple[float, float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(samples), max(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="docintel-queue-"))
    url = args.database_url or f"sqlite:///{home / 'docintel.db'}"
    started = time.perf_counter()
    fill(url, args.cases)
    print(f"filled {args.cases} cases in {time.perf_counter() - started:.1f} s ({url.split(':')[0]})")
    token = create_user(get_engine(url), "bench-admin", Role.ADMIN)
    client = TestClient(create_app(ApiSettings(database_url=url, home=home, blob_root=home / "blobs", workers=0)))
    assert client.post("/app/login", data={"token": token, "next": "/app/cases"}).status_code == 200
    pages = -(-args.cases // 25)
    table = Table(title=f"officer app over {args.cases} cases", title_justify="left")
    for column in ("request", "median ms", "worst ms"):
        table.add_column(column, justify="right" if column != "request" else "left")
    for label, target in (
        ("queue, page 1 (riskiest first)", "/app/cases"),
        (f"queue, page {pages // 2}", f"/app/cases?page={pages // 2}"),
        ("queue, code filter", "/app/cases?code=payee_mismatch"),
        ("queue, high + unreviewed", "/app/cases?severity=high&review=unreviewed"),
        ("queue, one branch", "/app/cases?branch=%E5%88%86%E8%A1%8C07"),
        ("case page", "/app/cases/1234"),
        ("JSON GET /cases (bearer)", "/cases?limit=50"),
    ):
        if target.startswith("/cases"):
            client.headers["Authorization"] = f"Bearer {token}"
        median, worst = timed(client, target, args.repeat)
        table.add_row(label, f"{median:.0f}", f"{worst:.0f}")
    Console().print(table)


if __name__ == "__main__":
    main()
