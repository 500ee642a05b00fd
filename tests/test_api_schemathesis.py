"""Property-based run over the API's own OpenAPI schema: whatever a client sends within (and around) the
schema, the API must answer with a 2xx/4xx, never a 5xx.

Bounded (a few examples per operation, no deadline) so the whole run stays well under a minute. The
store holds one processed case with findings, so ids the generator picks can hit real rows.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

from api.app import create_app
from api.auth import create_user
from api.settings import ApiSettings
from docintel.store.models import Role

FLAGGED_PDF = Path(__file__).resolve().parents[1] / "samples" / "invoices" / "inv05_sd-normal_pdf_upper_mismatch.pdf"
TOKEN: dict[str, str] = {}


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> schemathesis.BaseSchema:
    home = tmp_path_factory.mktemp("api-schemathesis")
    app = create_app(
        ApiSettings(
            database_url=f"sqlite:///{home / 'docintel.db'}",
            blob_root=home / "blobs",
            home=home,
            max_file_bytes=1_000_000,
            broker_url=None,
            workers=0,
        )
    )
    TOKEN["admin"] = create_user(app.state.ctx.engine, "admin", Role.ADMIN)
    headers = {"Authorization": f"Bearer {TOKEN['admin']}"}
    with TestClient(app) as client:  # one real processed case, so ids 1.. exist
        client.post("/cases", headers=headers, json={"case_id": "S-1", "borrower_name": "示例公司", "branch": "sh"})
        client.post(
            "/cases/1/documents", headers=headers, files=[("files", (FLAGGED_PDF.name, FLAGGED_PDF.read_bytes()))]
        )
        deadline = time.monotonic() + 60
        while client.get("/cases/1/progress", headers=headers).json()["pending"] and time.monotonic() < deadline:
            time.sleep(0.2)
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def test_no_server_errors(api_schema: schemathesis.BaseSchema) -> None:
    # One Hypothesis run per operation (pytest 9 and schemathesis' lazy-fixture parametrisation do not mix).
    headers = {"Authorization": f"Bearer {TOKEN['admin']}"}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 15
    statuses: list[int] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
        def no_5xx(case: schemathesis.Case) -> None:
            params = dict(case.query or {})
            if case.path == "/cases/{case_id}/events":
                params["timeout"] = 1  # a stream on a case still processing would otherwise run 300 s
            response = case.call(headers=headers, params=params)
            statuses.append(response.status_code)
            assert response.status_code < 500, (
                f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:500]}"
            )

        no_5xx()
    assert len(statuses) >= 5 * len(operations)  # it really exercised every operation
    assert any(200 <= s < 300 for s in statuses) and any(400 <= s < 500 for s in statuses)
