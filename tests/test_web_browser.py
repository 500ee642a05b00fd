"""The officer app in a real browser: Playwright driving Debian's chromium against a live server over a
store filled by the real `ingest` of sample dossiers.

Flow: a wrong token is refused; an officer logs in, opens the riskiest case, opens a finding, sees the
evidence box highlighted on the page image, dismisses the finding with a comment and sees it in the
history. Also: another branch's case is a 404, a review without the form's CSRF token is refused, and
the layout fits 1366×768 and uses a large monitor's width. Set DOCINTEL_SCREENSHOTS=DIR to keep
screenshots of the main pages (the README's come from here).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from api.app import create_app
from api.auth import create_user
from api.settings import ApiSettings
from docintel.ingest.progress import IngestProgress
from docintel.ingest.runner import IngestOptions, ingest
from docintel.store.blobs import BlobStore
from docintel.store.db import get_engine
from docintel.store.models import Role

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[1]
DOSSIERS = ("05_payee_other_company", "06_invoice_seller_mismatch", "10_duplicate_source", "11_duplicate_across_cases")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed (scripts/bootstrap.sh)")


@dataclass
class Server:
    url: str
    officer: str  # tokens
    other_branch: str


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    import uvicorn

    home = tmp_path_factory.mktemp("web")
    archive = home / "archive"
    for name in DOSSIERS:
        shutil.copytree(REPO / "samples" / "cases" / name, archive / name)
        (archive / name / "expected_findings.json").unlink()
    settings = ApiSettings(
        database_url=f"sqlite:///{home / 'docintel.db'}", blob_root=home / "blobs", home=home, workers=0
    )
    engine = get_engine(settings.database_url)
    with IngestProgress(Console(stderr=True), enabled=False) as progress:
        options = IngestOptions(workers=2, branch="北京分行")
        ingest(archive, engine, BlobStore(settings.blob_root), options, progress)
    officer = create_user(engine, "王信贷", Role.OFFICER, "北京分行")
    other = create_user(engine, "李信贷", Role.OFFICER, "上海分行")

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not uv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert uv.started, "the server did not start"
    try:
        yield Server(f"http://127.0.0.1:{port}", officer, other)
    finally:
        uv.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # Playwright starts chromium with a fresh, empty profile of its own.
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield launched
        finally:
            launched.close()


def _shot(page: Any, name: str) -> None:
    folder = os.environ.get("DOCINTEL_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"))


def _login(page: Any, server: Server, token: str) -> None:
    page.goto(f"{server.url}/app/cases")
    assert "/app/login" in page.url  # not logged in: sent to the login page
    page.fill("#token", token)
    page.click("button[type=submit]")


def test_officer_reviews_the_riskiest_case(server: Server, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    _login(page, server, "not-a-token")
    assert page.locator(".error").inner_text().startswith("令牌无效")
    _shot(page, "login")

    page.fill("#token", server.officer)
    page.click("button[type=submit]")
    page.wait_for_url("**/app/cases")
    rows = page.locator("[data-testid=queue] tbody tr")
    assert rows.count() == 4
    first = rows.nth(0)
    assert first.locator(".badge").inner_text() == "高"  # the riskiest case heads the queue
    # The layout fits a 1366-pixel screen: no horizontal scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    _shot(page, "queue")

    first.locator("a.case-link").click()
    page.wait_for_url("**/app/cases/*")
    finding = page.locator("[data-testid=finding]").filter(has=page.locator(".show-evidence[data-box]")).first
    finding_id = finding.get_attribute("data-finding")
    assert finding.locator(".badge").first.inner_text() == "高"
    finding.locator(".finding-head").click()
    viewer = page.locator("[data-testid=viewer]")
    viewer.wait_for(state="visible")
    image = page.locator("#page-image")
    page.wait_for_function("document.getElementById('page-image').naturalWidth > 0")
    box = page.locator(".evidence-box.active")
    box.wait_for(state="visible")
    image_box, evidence_box = image.bounding_box(), box.bounding_box()
    assert image_box and evidence_box and evidence_box["width"] > 2 and evidence_box["height"] > 2
    # The highlight lies on the page image.
    assert image_box["x"] <= evidence_box["x"] <= image_box["x"] + image_box["width"]
    assert image_box["y"] <= evidence_box["y"] <= image_box["y"] + image_box["height"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    page.evaluate("window.scrollTo(0, 0)")
    _shot(page, "case")
    finding.evaluate("f => window.scrollTo(0, f.getBoundingClientRect().top + window.scrollY - 60)")

    form = finding.locator("[data-testid=review-form]")
    form.locator("input[value=dismissed]").check()
    form.locator("textarea").fill("经核实，发票销售方为合同卖方的全资子公司，已补充授权书，排除。")
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"**reviewed={finding_id}**")
    reviewed = page.locator(f"#finding-{finding_id}")
    assert reviewed.locator("[data-testid=review-state]").inner_text() == "已排除"
    history = reviewed.locator("[data-testid=history]").inner_text()
    assert "王信贷" in history and "已排除" in history and "全资子公司" in history
    reviewed.evaluate("f => window.scrollTo(0, f.getBoundingClientRect().top + window.scrollY - 60)")
    reviewed.locator(".finding-head").click()
    page.locator(".evidence-box.active").wait_for(state="visible")
    _shot(page, "finding")
    context.close()


def test_other_branch_csrf_and_large_monitor(server: Server, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    _login(page, server, server.officer)
    page.wait_for_url("**/app/cases")
    case_url = page.locator("a.case-link").first.get_attribute("href")
    page.goto(server.url + case_url)
    finding_id = page.locator("[data-testid=finding]").first.get_attribute("data-finding")
    # A review posted without the page's CSRF token (as a forged cross-site form would) is refused.
    forged = page.request.post(
        f"{server.url}/app/findings/{finding_id}/review", form={"decision": "dismissed", "comment": "x"}
    )
    assert forged.status == 403
    context.close()

    other = browser.new_context(viewport={"width": 1366, "height": 768})
    page = other.new_page()
    _login(page, server, server.other_branch)
    page.wait_for_url("**/app/cases")
    assert page.locator("a.case-link").count() == 0  # 上海分行 sees none of 北京分行's cases
    response = page.goto(server.url + case_url)
    assert response is not None and response.status == 404
    other.close()

    wide = browser.new_context(viewport={"width": 2560, "height": 1440})
    page = wide.new_page()
    _login(page, server, server.officer)
    page.wait_for_url("**/app/cases")
    page.goto(server.url + case_url)
    page.locator("[data-testid=finding] .finding-head").first.click()
    page.locator("[data-testid=viewer]").wait_for(state="visible")
    findings_box = page.locator(".case-main").bounding_box()
    viewer_box = page.locator("[data-testid=viewer]").bounding_box()
    assert findings_box and viewer_box and viewer_box["x"] >= findings_box["x"] + findings_box["width"]  # side by side
    wide.close()
