"""Uploads are verified as cases, like ingested archives: case findings appear once a case's files are
read, and an invoice already used by another case is flagged even when its bytes need no reading."""

from __future__ import annotations

import time
from pathlib import Path

from tests.test_api import Api, api  # noqa: F401  (the fixture)

DOSSIERS = Path(__file__).resolve().parents[1] / "samples" / "cases"


def _case_findings(client: Api, case_id: int, seconds: float = 60) -> dict[str, str]:
    """code → rule of the case's own findings (not its documents'), once verification has run."""
    deadline = time.monotonic() + seconds
    while True:
        findings = client.get(f"/findings?case_id={case_id}&limit=500", "admin").json()["items"]
        found = {f["code"]: f["rule"] for f in findings if f["document_id"] is None}
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def test_uploaded_cases_are_verified_and_reuse_across_cases_is_flagged(api: Api) -> None:  # noqa: F811
    folder = DOSSIERS / "05_payee_other_company"
    first = api.create_case(case_id="LN-A", borrower_name="嘉禾（浙江）物流有限责任公司")
    files = [(p.name, p.read_bytes()) for p in sorted(folder.glob("*.pdf"))][:4]
    assert api.upload(first, "ua", *files).status_code == 202
    assert api.wait(first)["pending"] == 0
    assert _case_findings(api, first).get("payee_mismatch", "").startswith("case.payee")

    # The same invoice bytes for another loan: already read, so no job, but the case is verified.
    second = api.create_case(case_id="LN-B", borrower_name="嘉禾（浙江）物流有限责任公司")
    invoice = folder / "invoice_01.pdf"
    accepted = api.upload(second, "ua", (invoice.name, invoice.read_bytes()))
    assert accepted.status_code == 202 and accepted.json()["files"][0]["change"] != "new"
    assert _case_findings(api, second).get("duplicate_invoice") == "case.duplicate.across_cases"
