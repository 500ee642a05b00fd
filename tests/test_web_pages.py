"""Officer app without a browser: sessions (forged, expired, revoked cookies), the queue's risk order and
filters, and page images served in the coordinates their evidence boxes were measured in."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from rich.console import Console
from sqlalchemy import select

from api import pages
from api.app import create_app
from api.auth import create_user, issue_token
from api.settings import ApiSettings
from api.web.session import COOKIE, issue, verify
from docintel.ingest.progress import IngestProgress
from docintel.ingest.runner import IngestOptions, ingest
from docintel.store.blobs import BlobStore
from docintel.store.db import get_engine, transaction
from docintel.store.models import Case, Document, Finding, ReviewEvent, Role, SourceFile, User

REPO = Path(__file__).resolve().parents[1]


def _settings(tmp_path: Path) -> ApiSettings:
    url = f"sqlite:///{tmp_path / 'docintel.db'}"
    return ApiSettings(database_url=url, blob_root=tmp_path / "blobs", home=tmp_path, workers=0)


def test_sessions_refuse_forged_expired_and_revoked_cookies(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    engine = get_engine(settings.database_url)
    create_user(engine, "officer", Role.OFFICER, "A")
    secret = b"k" * 32
    with transaction(engine) as session:
        user = session.scalars(select(User)).one()
        cookie = issue(secret, user, now=1_000_000)
    assert verify(secret, engine, cookie, now=1_000_100) is not None
    assert verify(b"other-key" * 4, engine, cookie, now=1_000_100) is None  # not signed by us
    name, expires, tag, signature = cookie.split(".")
    assert verify(secret, engine, f"{name}.{int(expires) + 9999}.{tag}.{signature}", now=1_000_100) is None
    assert verify(secret, engine, cookie, now=1_000_000 + 9 * 3600) is None  # expired
    issue_token(engine, "officer")  # a new token ends the sessions opened with the old one
    assert verify(secret, engine, cookie, now=1_000_100) is None


def test_queue_orders_by_open_risk_and_filters(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    engine = get_engine(settings.database_url)
    token = create_user(engine, "admin", Role.ADMIN)
    with transaction(engine) as session:
        cases = [Case(key=key, branch=branch) for key, branch in (("quiet", "A"), ("medium", "A"), ("high", "B"))]
        session.add_all(cases)
        session.flush()
        _, medium, high = cases
        for case, code, severity in ((medium, "amount_inconsistent", "medium"), (high, "payee_mismatch", "high")):
            session.add(Finding(case_id=case.id, code=code, severity=severity, message="m", rule="r", inputs={}))
    client = TestClient(create_app(settings))
    assert client.post("/app/login", data={"token": token, "next": "/app/cases"}).status_code == 200
    assert client.cookies.get(COOKIE)

    def keys(query: str = "") -> list[str]:
        """The case keys listed, in queue order."""
        text = client.get(f"/app/cases{query}").text
        listed = [k for k in ("quiet", "medium", "high") if f'class="case-link">{k}<' in text]
        return sorted(listed, key=lambda k: text.index(f'class="case-link">{k}<'))

    assert keys() == ["high", "medium", "quiet"]
    assert keys("?code=amount_inconsistent") == ["medium"]
    assert keys("?branch=A") == ["medium", "quiet"]
    assert keys("?severity=high&review=unreviewed") == ["high"]
    with transaction(engine) as session:
        finding = session.scalars(select(Finding).where(Finding.code == "payee_mismatch")).one()
        session.add(ReviewEvent(finding_id=finding.id, user_name="admin", decision="dismissed"))
    # A dismissed high finding no longer puts its case first; it is found under 已排除.
    assert keys() == ["medium", "high", "quiet"]
    assert keys("?review=dismissed") == ["high"]
    assert keys("?review=unreviewed") == ["medium"]


@pytest.mark.slow
def test_a_rotated_scan_is_served_upright_in_its_evidence_coordinates(tmp_path: Path) -> None:
    archive = tmp_path / "archive" / "case"
    archive.mkdir(parents=True)
    shutil.copy(REPO / "samples" / "invoices" / "inv02_sd-normal_scan_rot90.png", archive / "scan.png")
    settings = _settings(tmp_path)
    engine = get_engine(settings.database_url)
    with IngestProgress(Console(stderr=True), enabled=False) as progress:
        ingest(archive.parent, engine, BlobStore(settings.blob_root), IngestOptions(workers=1), progress)
    with transaction(engine) as session:
        doc = session.scalars(select(Document)).one()
        source = session.get(SourceFile, doc.sha256)
        assert source is not None and doc.pages_meta
        geometry, media_type = doc.pages_meta[0], source.media_type
    assert geometry["rotation"] in (90, 270) and geometry["text_source"] == "ocr"
    rotation, skew = pages.upright_transform(doc.pages_meta, 1)
    png = pages.page_png(
        BlobStore(settings.blob_root), settings.page_cache, doc.sha256, media_type, 1, 100, rotation, skew
    )
    with Image.open(io.BytesIO(png.read_bytes())) as image:
        assert image.size == (round(geometry["width"]), round(geometry["height"]))
    with Image.open(archive / "scan.png") as original:
        assert image.size == original.size[::-1]  # turned a quarter: the invoice lies landscape, as read
