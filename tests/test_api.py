"""The HTTP API through HTTP (FastAPI TestClient) over a fresh SQLite store per test.

Uploaded files are really read: the app's local queue runs with workers=0 (one in-process thread), so a
test waits for processing by polling the progress route, as a client would.
"""

from __future__ import annotations

import io
import logging
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from api.app import create_app
from api.auth import UserError, create_user, hash_token
from api.masking import MaskingFilter, install, mask
from api.settings import ApiSettings
from docintel.store.models import Role, SourceFile, User

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "invoices"
CLEAN_PDF = SAMPLES / "inv01_sd-special_pdf.pdf"
FLAGGED_PDF = SAMPLES / "inv05_sd-normal_pdf_upper_mismatch.pdf"  # 大写金额 ≠ 小写金额: a high finding
IMAGE = SAMPLES / "inv02_sd-normal_scan_rot90.png"
MANIFEST = {"case_id": "LN-1", "borrower_name": "上海示例贸易有限公司", "loan_amount": "1000000.00"}


@dataclass
class Api:
    client: TestClient
    settings: ApiSettings
    tokens: dict[str, str]

    def as_(self, user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    def get(self, url: str, user: str, **kwargs: Any) -> Any:
        return self.client.get(url, headers=self.as_(user), **kwargs)

    def post(self, url: str, user: str, **kwargs: Any) -> Any:
        return self.client.post(url, headers=self.as_(user), **kwargs)

    def create_case(self, user: str = "ua", **fields: Any) -> int:
        response = self.post("/cases", user, json=MANIFEST | fields)
        assert response.status_code == 201, response.text
        return int(response.json()["id"])

    def upload(self, case_id: int, user: str, *files: tuple[str, bytes]) -> Any:
        return self.post(f"/cases/{case_id}/documents", user, files=[("files", (n, b)) for n, b in files])

    def wait(self, case_id: int, user: str = "admin", seconds: float = 120) -> dict[str, Any]:
        deadline = time.monotonic() + seconds
        while True:
            progress = self.get(f"/cases/{case_id}/progress", user).json()
            if progress["pending"] == 0 or time.monotonic() > deadline:
                return progress
            time.sleep(0.2)


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    settings = ApiSettings(
        database_url=f"sqlite:///{tmp_path / 'docintel.db'}",
        blob_root=tmp_path / "blobs",
        home=tmp_path,
        max_file_bytes=5_000_000,
        max_request_bytes=20_000_000,
        max_files=4,
        broker_url=None,
        workers=0,
    )
    app = create_app(settings)
    engine = app.state.ctx.engine
    tokens = {
        "admin": create_user(engine, "admin", Role.ADMIN),
        "oa": create_user(engine, "officer-sh", Role.OFFICER, "sh"),
        "ob": create_user(engine, "officer-bj", Role.OFFICER, "bj"),
        "ua": create_user(engine, "uploader-sh", Role.UPLOADER, "sh"),
        "ub": create_user(engine, "uploader-sh-2", Role.UPLOADER, "sh"),
    }
    with TestClient(app) as client:
        yield Api(client, settings, tokens)


def engine_of(api: Api) -> Any:
    return api.client.app.state.ctx.engine  # type: ignore[attr-defined]


def processed_case(api: Api, *pdfs: Path) -> tuple[int, list[int]]:
    case_id = api.create_case()
    response = api.upload(case_id, "ua", *[(p.name, p.read_bytes()) for p in pdfs])
    assert response.status_code == 202, response.text
    assert api.wait(case_id)["pending"] == 0
    detail = api.get(f"/cases/{case_id}", "ua").json()
    return case_id, [d["id"] for d in detail["documents"]]


# --------------------------------------------------------------------------- authentication


def test_health_needs_no_token_and_everything_else_does(api: Api) -> None:
    assert api.client.get("/health").json() == {"status": "ok"}
    for method, url in [
        ("GET", "/me"),
        ("GET", "/cases"),
        ("POST", "/cases"),
        ("GET", "/cases/1"),
        ("POST", "/cases/1/documents"),
        ("GET", "/cases/1/progress"),
        ("GET", "/cases/1/events"),
        ("GET", "/cases/1/report.xlsx"),
        ("GET", "/cases/1/report.pdf"),
        ("GET", "/documents/1"),
        ("GET", "/documents/1/pages/1.png"),
        ("GET", "/documents/1/original"),
        ("GET", "/findings"),
        ("GET", "/findings/1"),
        ("POST", "/findings/1/review"),
        ("GET", "/audit"),
    ]:
        response = api.client.request(method, url)
        assert response.status_code == 401, (method, url)
        assert response.headers["www-authenticate"] == "Bearer"
        bad = api.client.request(method, url, headers={"Authorization": "Bearer not-a-token"})
        assert bad.status_code == 401, (method, url)


def test_tokens_are_stored_hashed_and_identify_the_user(api: Api) -> None:
    me = api.get("/me", "oa").json()
    assert me == {"name": "officer-sh", "role": "officer", "branch": "sh"}
    from docintel.store.db import transaction

    with transaction(engine_of(api)) as session:
        stored = session.scalars(select(User).where(User.name == "officer-sh")).one()
    assert stored.token_hash == hash_token(api.tokens["oa"])
    assert api.tokens["oa"] not in stored.token_hash


def test_users_need_a_branch_and_a_unique_name(api: Api) -> None:
    engine = engine_of(api)
    with pytest.raises(UserError, match="branch"):
        create_user(engine, "x", Role.OFFICER)
    with pytest.raises(UserError, match="already exists"):
        create_user(engine, "admin", Role.ADMIN)


def test_cli_users_add_prints_the_token_last(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from docintel.cli import app

    monkeypatch.setenv("DOCINTEL_HOME", str(tmp_path))
    monkeypatch.delenv("DOCINTEL_DATABASE_URL", raising=False)
    result = CliRunner().invoke(app, ["users", "add", "alice", "--role", "officer", "--branch", "sh"])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    settings = ApiSettings(database_url=f"sqlite:///{tmp_path / 'docintel.db'}", home=tmp_path, workers=0)
    with TestClient(create_app(settings)) as client:
        me = client.get("/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["name"] == "alice"
    bad = CliRunner().invoke(app, ["users", "add", "bob", "--role", "officer"])
    assert bad.exit_code == 1
    assert CliRunner().invoke(app, ["users", "add", "carol", "--role", "boss"]).exit_code == 2


# --------------------------------------------------------------------------- cases and access


def test_create_case_is_idempotent_and_checks_roles(api: Api) -> None:
    created = api.post("/cases", "ua", json=MANIFEST)
    assert created.status_code == 201
    body = created.json()
    assert body["key"] == "LN-1" and body["branch"] == "sh" and body["created_by"] == "uploader-sh"
    assert body["status"] == "empty" and body["risk"] == "none"
    assert body["manifest"]["borrower_name"] == MANIFEST["borrower_name"]
    assert api.post("/cases", "ua", json=MANIFEST).status_code == 200
    assert api.post("/cases", "ua", json=MANIFEST | {"borrower_name": "别的公司"}).status_code == 409
    assert api.post("/cases", "ub", json=MANIFEST).status_code == 409  # exists, but not theirs
    assert api.post("/cases", "oa", json=MANIFEST | {"case_id": "LN-2"}).status_code == 403
    assert api.post("/cases", "ua", json=MANIFEST | {"case_id": "LN-3", "branch": "bj"}).status_code == 403
    admin_case = api.post("/cases", "admin", json=MANIFEST | {"case_id": "LN-4", "branch": "bj"})
    assert admin_case.status_code == 201 and admin_case.json()["branch"] == "bj"
    for bad in ({"case_id": "LN-5"}, MANIFEST | {"unknown": 1}, MANIFEST | {"loan_amount": "-5"}):
        response = api.post("/cases", "ua", json=bad)
        assert response.status_code == 422, bad
        assert response.json()["detail"]


def test_who_sees_which_case(api: Api) -> None:
    mine = api.create_case("ua")
    colleague = api.create_case("ub", case_id="LN-B")
    other_branch = api.create_case("admin", case_id="LN-BJ", branch="bj")

    def visible(user: str) -> set[int]:
        return {c["id"] for c in api.get("/cases", user).json()["items"]}

    assert visible("admin") == {mine, colleague, other_branch}
    assert visible("oa") == {mine, colleague}
    assert visible("ob") == {other_branch}
    assert visible("ua") == {mine}
    assert visible("ub") == {colleague}
    # Another branch's (or uploader's) case answers 404, exactly like a missing one.
    assert api.get(f"/cases/{other_branch}", "oa").status_code == 404
    assert api.get(f"/cases/{mine}", "ub").status_code == 404
    assert api.get(f"/cases/{mine}", "ob").status_code == 404
    assert api.get("/cases/999999", "admin").status_code == 404
    assert api.get(f"/cases/{mine}", "oa").status_code == 200
    assert api.get("/cases/abc", "admin").status_code == 422
    assert api.get("/cases/0", "admin").status_code == 422
    assert api.get("/cases/99999999999999999999", "admin").status_code == 422


def test_case_list_filters_and_pages(api: Api) -> None:
    flagged, _ = processed_case(api, FLAGGED_PDF)
    empty = api.create_case("ua", case_id="LN-EMPTY")

    def ids(**params: Any) -> list[int]:
        response = api.get("/cases", "admin", params=params)
        assert response.status_code == 200, response.text
        return [c["id"] for c in response.json()["items"]]

    assert ids(status="empty") == [empty]
    assert ids(status="done") == [flagged]
    assert ids(status="processing") == []
    assert ids(risk="high") == [flagged]
    assert ids(risk="none") == [empty]
    codes = {f["code"] for f in api.get("/findings", "admin", params={"case_id": flagged}).json()["items"]}
    assert codes
    assert ids(code=next(iter(codes))) == [flagged]
    assert ids(code="no_such_code") == []
    today = time.strftime("%Y-%m-%d", time.gmtime())
    assert set(ids(created_from=today, created_to=today)) == {flagged, empty}
    assert ids(created_to="2000-01-01") == []
    page = api.get("/cases", "admin", params={"limit": 1, "offset": 1}).json()
    assert page["total"] == 2 and len(page["items"]) == 1 and page["items"][0]["id"] == flagged
    assert api.get("/cases", "admin", params={"status": "bogus"}).status_code == 422
    assert api.get("/cases", "admin", params={"limit": 0}).status_code == 422
    assert api.get("/cases", "admin", params={"created_from": "yesterday"}).status_code == 422


# --------------------------------------------------------------------------- uploads


def test_upload_is_accepted_stored_then_read(api: Api) -> None:
    case_id = api.create_case()
    data = FLAGGED_PDF.read_bytes()
    response = api.upload(case_id, "ua", (FLAGGED_PDF.name, data))
    assert response.status_code == 202, response.text
    accepted = response.json()
    [entry] = accepted["files"]
    assert entry["change"] == "new" and entry["media_type"] == "application/pdf" and entry["size"] == len(data)
    assert api.settings.blob_root.joinpath(entry["sha256"][:2], entry["sha256"][2:]).read_bytes() == data
    progress = api.wait(case_id)
    assert progress == progress | {"files": 1, "pending": 0, "done": 1, "failed": 0, "documents": 1}
    detail = api.get(f"/cases/{case_id}", "oa").json()
    assert detail["status"] == "done" and detail["risk"] == "high"
    assert detail["files"][0]["state"] == "done" and detail["files"][0]["document_ids"]
    assert detail["documents"][0]["doc_type"] == "vat_invoice"
    assert detail["documents"][0]["values"]["invoice_number"]
    assert any(f["severity"] == "high" for f in detail["findings"])


def test_reupload_is_idempotent(api: Api) -> None:
    case_id, doc_ids = processed_case(api, CLEAN_PDF)
    again = api.upload(case_id, "ua", (CLEAN_PDF.name, CLEAN_PDF.read_bytes()))
    assert again.status_code == 202
    [entry] = again.json()["files"]
    assert entry["change"] == "unchanged" and entry["state"] == "done" and entry["document_ids"] == doc_ids
    renamed = api.upload(case_id, "ua", ("copy.pdf", CLEAN_PDF.read_bytes()))
    assert renamed.json()["files"][0]["change"] == "new_path"
    detail = api.get(f"/cases/{case_id}", "ua").json()
    assert [d["id"] for d in detail["documents"]] == doc_ids  # same bytes: no second document
    from docintel.store.db import transaction

    with transaction(engine_of(api)) as session:
        assert len(session.scalars(select(SourceFile)).all()) == 1


def test_upload_a_zip_stores_its_members(api: Api) -> None:
    case_id = api.create_case()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a/clean.pdf", CLEAN_PDF.read_bytes())
        archive.writestr("flagged.pdf", FLAGGED_PDF.read_bytes())
    response = api.upload(case_id, "ua", ("batch.zip", buffer.getvalue()))
    assert response.status_code == 202, response.text
    paths = sorted(f["path"] for f in response.json()["files"])
    assert paths == ["api/LN-1/batch.zip!/a/clean.pdf", "api/LN-1/batch.zip!/flagged.pdf"]
    assert api.wait(case_id)["documents"] == 2


@pytest.mark.parametrize(
    ("files", "status", "reason"),
    [
        ([("big.pdf", b"%PDF-1.4\n" + b"0" * 6_000_000)], 413, "file_too_large"),
        ([(f"f{i}.pdf", b"%PDF-1.4 " + str(i).encode()) for i in range(5)], 413, "too_many_files"),
        ([("notes.txt", b"just some text")], 415, "unsupported_type"),
        ([("evil.pdf", b"MZ\x90\x00 an executable")], 415, "unsupported_type"),
        ([("empty.pdf", b"")], 422, "empty_file"),
        ([("broken.zip", b"PK\x03\x04 definitely not a zip")], 422, "bad_zip"),
        ([("empty.zip", b"PK\x05\x06" + b"\x00" * 18)], 415, "unsupported_type"),
    ],
)
def test_bad_uploads_are_refused_with_a_reason(
    api: Api, files: list[tuple[str, bytes]], status: int, reason: str
) -> None:
    case_id = api.create_case()
    response = api.upload(case_id, "ua", *files)
    assert response.status_code == status, response.text
    body = response.json()
    assert body["reason"] == reason and body["detail"] and body["problems"]
    assert api.get(f"/cases/{case_id}/progress", "ua").json()["files"] == 0


def test_empty_zip_and_no_files_are_422(api: Api) -> None:
    case_id = api.create_case()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w"):
        pass
    with_member = io.BytesIO()
    with zipfile.ZipFile(with_member, "w") as archive:
        archive.writestr("dir/", b"")
    response = api.upload(case_id, "ua", ("nothing.zip", with_member.getvalue()))
    assert response.status_code == 422 and response.json()["reason"] == "empty_zip"
    no_files = api.post(f"/cases/{case_id}/documents", "ua", data={"note": "hello"}, files={"x": ("", b"")})
    assert no_files.status_code in (415, 422)
    only_field = api.client.post(
        f"/cases/{case_id}/documents",
        headers=api.as_("ua") | {"Content-Type": "multipart/form-data; boundary=XX"},
        content=b'--XX\r\nContent-Disposition: form-data; name="note"\r\n\r\nhi\r\n--XX--\r\n',
    )
    assert only_field.status_code == 422 and only_field.json()["reason"] == "no_files"
    truncated = api.client.post(
        f"/cases/{case_id}/documents",
        headers=api.as_("ua") | {"Content-Type": "multipart/form-data; boundary=XX"},
        content=b'--XX\r\nContent-Disposition: form-data; name="files"; filename="a.pdf"\r\n\r\n%PDF-1.4',
    )
    assert truncated.status_code == 422 and truncated.json()["reason"] == "bad_multipart"
    not_multipart = api.post(f"/cases/{case_id}/documents", "ua", json={"files": []})
    assert not_multipart.status_code == 415 and not_multipart.json()["reason"] == "not_multipart"
    assert api.get(f"/cases/{case_id}/progress", "ua").json()["files"] == 0


def test_a_bad_file_refuses_the_whole_request(api: Api) -> None:
    case_id = api.create_case()
    response = api.upload(case_id, "ua", ("good.pdf", CLEAN_PDF.read_bytes()), ("bad.txt", b"plain text"))
    assert response.status_code == 415
    assert [p["file"] for p in response.json()["problems"]] == ["bad.txt"]
    assert api.get(f"/cases/{case_id}/progress", "ua").json()["files"] == 0
    assert not list(api.settings.blob_root.rglob("*")) or not any(
        p.is_file() for p in api.settings.blob_root.rglob("*")
    )


def test_upload_roles_and_ownership(api: Api) -> None:
    case_id = api.create_case()
    pdf = (CLEAN_PDF.name, CLEAN_PDF.read_bytes())
    assert api.upload(case_id, "oa", pdf).status_code == 403  # officers review, they do not upload
    assert api.upload(case_id, "ub", pdf).status_code == 404  # a colleague's case does not exist for them
    assert api.upload(999, "ua", pdf).status_code == 404
    assert api.upload(case_id, "admin", pdf).status_code == 202


# --------------------------------------------------------------------------- documents


def test_document_fields_come_with_evidence(api: Api) -> None:
    _, [doc_id] = processed_case(api, CLEAN_PDF)
    doc = api.get(f"/documents/{doc_id}", "oa").json()
    assert doc["doc_type"] == "vat_invoice" and doc["media_type"] == "application/pdf"
    number = doc["fields"]["invoice_number"]
    assert number["value"] and number["evidence"][0]["page"] == 1 and number["evidence"][0]["box"]
    assert doc["page_image_url"] == f"/documents/{doc_id}/pages/{{n}}.png"
    assert api.get(f"/documents/{doc_id}", "ob").status_code == 404
    assert api.get(f"/documents/{doc_id}", "ub").status_code == 404
    assert api.get("/documents/424242", "admin").status_code == 404


def test_page_images_and_originals(api: Api) -> None:
    _, [doc_id] = processed_case(api, CLEAN_PDF)
    page = api.get(f"/documents/{doc_id}/pages/1.png", "oa")
    assert page.status_code == 200 and page.headers["content-type"] == "image/png"
    assert page.content.startswith(b"\x89PNG")
    assert list(api.settings.page_cache.rglob("*.png"))  # cached for the next request
    assert api.get(f"/documents/{doc_id}/pages/1.png", "oa").content == page.content
    assert api.get(f"/documents/{doc_id}/pages/7.png", "oa").status_code == 404
    assert api.get(f"/documents/{doc_id}/pages/x.png", "oa").status_code == 422
    assert api.get(f"/documents/{doc_id}/pages/1.png", "ob").status_code == 404
    original = api.get(f"/documents/{doc_id}/original", "ua")
    assert original.status_code == 200 and original.content == CLEAN_PDF.read_bytes()
    assert original.headers["content-type"] == "application/pdf"
    assert api.get(f"/documents/{doc_id}/original", "ob").status_code == 404


def test_image_pages_are_served_at_their_own_size(api: Api) -> None:
    case_id = api.create_case()
    assert api.upload(case_id, "ua", (IMAGE.name, IMAGE.read_bytes())).status_code == 202
    api.wait(case_id, seconds=300)
    documents = api.get(f"/cases/{case_id}", "ua").json()["documents"]
    if not documents:
        pytest.skip("the OCR engine is not available here")
    page = api.get(f"/documents/{documents[0]['id']}/pages/1.png", "ua")
    assert page.status_code == 200 and page.content.startswith(b"\x89PNG")


# --------------------------------------------------------------------------- findings and reviews


def test_findings_filters_and_visibility(api: Api) -> None:
    case_id, _ = processed_case(api, FLAGGED_PDF, CLEAN_PDF)
    all_findings = api.get("/findings", "oa").json()
    assert all_findings["total"] >= 1
    high = api.get("/findings", "oa", params={"severity": "high"}).json()["items"]
    assert high and all(f["severity"] == "high" and f["case_id"] == case_id for f in high)
    code = high[0]["code"]
    assert all(f["code"] == code for f in api.get("/findings", "oa", params={"code": code}).json()["items"])
    assert api.get("/findings", "ob").json()["total"] == 0
    assert api.get("/findings", "ub").json()["total"] == 0
    assert api.get("/findings", "oa", params={"severity": "huge"}).status_code == 422
    assert api.get(f"/findings/{high[0]['id']}", "ob").status_code == 404


def test_reviews_are_appended_never_overwritten(api: Api) -> None:
    _, _ = processed_case(api, FLAGGED_PDF)
    finding = api.get("/findings", "oa", params={"severity": "high"}).json()["items"][0]
    url = f"/findings/{finding['id']}/review"
    first = api.post(url, "oa", json={"decision": "needs_info", "comment": "请补充合同原件"})
    assert first.status_code == 201, first.text
    second = api.post(url, "admin", json={"decision": "confirmed", "comment": "已核实"})
    reviews = second.json()["reviews"]
    assert [(r["user"], r["decision"]) for r in reviews] == [("officer-sh", "needs_info"), ("admin", "confirmed")]
    assert reviews[0]["comment"] == "请补充合同原件" and reviews[0]["at"]
    assert second.json()["review"] == "confirmed"
    listed = api.get("/findings", "oa", params={"review": "confirmed"}).json()["items"]
    assert [f["id"] for f in listed] == [finding["id"]]
    assert finding["id"] not in {
        f["id"] for f in api.get("/findings", "oa", params={"review": "unreviewed"}).json()["items"]
    }
    # Roles, branches and input.
    assert api.post(url, "ua", json={"decision": "dismissed"}).status_code == 403
    assert api.post(url, "ob", json={"decision": "dismissed"}).status_code == 404
    assert api.post(url, "oa", json={"decision": "maybe"}).status_code == 422
    assert api.post(url, "oa", json={"decision": "dismissed", "extra": 1}).status_code == 422
    assert api.post("/findings/999999/review", "oa", json={"decision": "dismissed"}).status_code == 404
    # The database itself refuses to rewrite history.
    for statement in ("UPDATE review_events SET decision = 'dismissed'", "DELETE FROM review_events"):
        with pytest.raises(DBAPIError, match="append-only"), engine_of(api).begin() as connection:
            connection.execute(text(statement))
    assert len(api.get(f"/findings/{finding['id']}", "oa").json()["reviews"]) == 2


# --------------------------------------------------------------------------- reports, progress, audit


def test_reports_xlsx_and_pdf(api: Api) -> None:
    case_id, _ = processed_case(api, FLAGGED_PDF)
    finding = api.get("/findings", "oa", params={"severity": "high"}).json()["items"][0]
    xlsx = api.get(f"/cases/{case_id}/report.xlsx", "oa")
    assert xlsx.status_code == 200 and "spreadsheetml" in xlsx.headers["content-type"]
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(xlsx.content))
    assert workbook.sheetnames == ["摘要", "发现问题", "文档"]
    cells = [c for row in workbook["发现问题"].iter_rows(values_only=True) for c in row]
    assert finding["code"] in cells and finding["message"] in cells
    pdf = api.get(f"/cases/{case_id}/report.pdf", "oa")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert api.get(f"/cases/{case_id}/report.pdf", "ob").status_code == 404
    assert api.get(f"/cases/{case_id}/report.xlsx", "ub").status_code == 404


def test_progress_polling_and_events(api: Api) -> None:
    case_id = api.create_case()
    empty = api.get(f"/cases/{case_id}/progress", "ua").json()
    assert empty["case_status"] == "empty" and empty["files"] == 0
    api.upload(case_id, "ua", (CLEAN_PDF.name, CLEAN_PDF.read_bytes()))
    with api.client.stream("GET", f"/cases/{case_id}/events", headers=api.as_("ua")) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        body = "".join(stream.iter_text())
    assert "event: progress" in body and "event: done" in body
    assert api.get(f"/cases/{case_id}/progress", "ua").json()["case_status"] == "done"
    assert api.get(f"/cases/{case_id}/progress", "ob").status_code == 404
    assert api.get(f"/cases/{case_id}/events", "ob").status_code == 404


def test_audit_log_is_admin_only_and_records_actions(api: Api) -> None:
    case_id, _ = processed_case(api, FLAGGED_PDF)
    finding = api.get("/findings", "oa", params={"severity": "high"}).json()["items"][0]
    api.post(f"/findings/{finding['id']}/review", "oa", json={"decision": "dismissed"})
    api.get(f"/cases/{case_id}/report.xlsx", "oa")
    api.client.get("/me", headers={"Authorization": "Bearer wrong"})
    assert api.get("/audit", "oa").status_code == 403
    assert api.get("/audit", "ua").status_code == 403
    events = api.get("/audit", "admin", params={"limit": 500}).json()["items"]
    actions = {(e["user"], e["action"]) for e in events}
    assert {
        ("uploader-sh", "create_case"),
        ("uploader-sh", "upload"),
        ("officer-sh", "review"),
        ("officer-sh", "export"),
        ("officer-sh", "login"),
        (None, "login_failed"),
    } <= actions
    upload = next(e for e in events if e["action"] == "upload")
    assert upload["target"] == f"case:{case_id}" and upload["detail"]["files"][0]["sha256"]
    only_reviews = api.get("/audit", "admin", params={"action": "review"}).json()["items"]
    assert {e["action"] for e in only_reviews} == {"review"}
    with pytest.raises(DBAPIError, match="append-only"), engine_of(api).begin() as connection:
        connection.execute(text("DELETE FROM audit_events"))


# --------------------------------------------------------------------------- masking


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("税号91310000MA1FL0XX1X已核", "税号****XX1X已核"),
        ("身份证 11010519491231002X", "身份证 ****002X"),
        ("account 6222021234567890123, ok", "account ****0123, ok"),
        ("旧税号110105123456789", "旧税号****6789"),
        ("amount 12345.67 on 2024-03-01, id 42, HTTP/1.1 200", "amount 12345.67 on 2024-03-01, id 42, HTTP/1.1 200"),
    ],
)
def test_mask(raw: str, masked: str) -> None:
    assert mask(raw) == masked


def test_masking_filter_on_handlers_covers_child_loggers() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    parent = logging.getLogger("masktest")
    parent.addHandler(handler)
    parent.setLevel(logging.INFO)
    try:
        install(("masktest",))
        child = logging.getLogger("masktest.child")  # propagates to the parent's handler
        child.info("paid %s from %s", "6222021234567890123", "91310000MA1FL0XX1X")
        try:
            raise ValueError("bad account 6222021234567890123")
        except ValueError:
            child.exception("failed for 11010519491231002X")
        output = stream.getvalue()
        assert "6222021234567890123" not in output and "91310000MA1FL0XX1X" not in output
        assert "11010519491231002X" not in output
        assert "paid ****0123 from ****XX1X" in output and "bad account ****0123" in output
        assert any(isinstance(f, MaskingFilter) for f in handler.filters)
    finally:
        parent.removeHandler(handler)
