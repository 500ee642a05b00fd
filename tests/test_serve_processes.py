"""`docintel serve --processes 2`: two server processes on one port share the store correctly."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from tests.store_fixtures import distinct_copies


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _docintel(*args: str, env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, "-m", "docintel.cli", *args], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_two_server_processes_store_every_upload_once(tmp_path: Path) -> None:
    env = os.environ | {"DOCINTEL_HOME": str(tmp_path / "home")}
    for name in ("DOCINTEL_DATABASE_URL", "DOCINTEL_BROKER_URL"):
        env.pop(name, None)
    token = _docintel("users", "add", "branch-upload", "--role", "uploader", "--branch", "b1", env=env).split()[-1]
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "docintel.cli", "serve", "--port", str(port), "--processes", "2"]
    log = tmp_path / "serve.log"  # a file, not a pipe: nobody reads a pipe and it would fill and block the server
    with log.open("wb") as out:
        server = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, log.read_text(errors="replace")
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        headers = {"Authorization": f"Bearer {token}"}
        case = httpx.post(
            f"{base}/cases", headers=headers, json={"case_id": "MP-1", "borrower_name": "多进程测试有限公司"}
        )
        assert case.status_code == 201, case.text
        case = case.json()["id"]
        files = distinct_copies(tmp_path / "files", 12)

        def upload(path: Path) -> httpx.Response:
            # A fresh connection per upload, so the kernel spreads them over both processes.
            content = [("files", (path.name, path.read_bytes(), "application/pdf"))]
            return httpx.post(f"{base}/cases/{case}/documents", headers=headers, files=content, timeout=60)

        with ThreadPoolExecutor(max_workers=6) as pool:
            answers = list(pool.map(upload, files))
        assert [a.status_code for a in answers] == [202] * len(files)
        # Uploading the same bytes again, to whichever process answers: recorded as known, not new.
        again = upload(files[0]).json()["files"][0]
        assert again["change"] in ("unchanged", "resumed")
        deadline = time.monotonic() + 180
        while (progress := httpx.get(f"{base}/cases/{case}/progress", headers=headers).json())["pending"]:
            assert time.monotonic() < deadline, progress
            time.sleep(0.5)
        detail = httpx.get(f"{base}/cases/{case}", headers=headers).json()
        assert len(detail["files"]) == len(files)
        assert progress["failed"] == 0 and progress["done"] == len(files)
    finally:
        server.terminate()
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            raise
