"""Upload load test: 500 small distinct PDFs from 20 concurrent clients against a real `docintel serve`.

Starts the server (uvicorn, 127.0.0.1, a free port) in a subprocess over a fresh store in a temp
DOCINTEL_HOME, creates an uploader with `docintel users add`, then measures the accept step: the time
from sending one upload to its 202 (the bytes are stored and recorded by then; reading happens later).
Finally checks that all uploads are stored: every sha256 recorded in the case and its blob on disk.

    python benchmarks/upload_load.py [--files 500] [--clients 20] [--processes 1] [--client raw|httpx]
                                     [--wait-processing] [--broker URL]

The clients share the machine with the server; the default client is a minimal asyncio HTTP/1.1 one
so that it takes little CPU from the server it measures (`--client httpx` for the same with httpx).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx


def small_pdf(n: int) -> bytes:
    """A valid one-page PDF whose text (and so bytes) differ by `n`."""
    content = f"BT /F1 18 Tf 72 720 Td (Load test document {n} for the docintel upload benchmark) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def docintel(*args: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "docintel.cli", *args], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


def wait_healthy(base: str, server: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with {server.returncode}")
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the server did not become healthy")


class RawHttp:
    """A minimal HTTP/1.1 keep-alive client on asyncio streams, for the load only: it spends a fraction of
    the CPU httpx does per request (~2 ms), and on a 2-core machine the load generator's CPU is taken
    from the server it measures. Real TCP, real multipart, every response read and checked."""

    def __init__(self, host: str, port: int, token: str) -> None:
        self.host, self.port, self.token = host, port, token
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        status, _ = await self.request(b"GET", "/health", b"", b"")
        if status != 200:
            raise RuntimeError(f"GET /health answered {status}")

    async def request(self, method: bytes, path: str, content_type: bytes, body: bytes) -> tuple[int, bytes]:
        assert self.reader is not None and self.writer is not None
        head = b"%s %s HTTP/1.1\r\nHost: %s:%d\r\nAuthorization: Bearer %s\r\n" % (
            method,
            path.encode(),
            self.host.encode(),
            self.port,
            self.token.encode(),
        )
        if body:
            head += b"Content-Type: %s\r\nContent-Length: %d\r\n" % (content_type, len(body))
        self.writer.write(head + b"\r\n" + body)
        await self.writer.drain()
        header = await self.reader.readuntil(b"\r\n\r\n")
        lines = header.split(b"\r\n")
        status = int(lines[0].split()[1])
        fields = dict(line.split(b":", 1) for line in lines[1:] if b":" in line)
        length = next((int(v) for k, v in fields.items() if k.strip().lower() == b"content-length"), None)
        if length is None:
            raise RuntimeError("a response without Content-Length")
        return status, await self.reader.readexactly(length)

    async def upload(self, path: str, filename: str, data: bytes) -> tuple[int, bytes]:
        boundary = b"docintel-load-boundary"
        body = (
            b'--%s\r\nContent-Disposition: form-data; name="files"; filename="%s"\r\n'
            b"Content-Type: application/pdf\r\n\r\n"
            % (boundary, filename.encode())
            + data
            + b"\r\n--%s--\r\n" % boundary
        )
        return await self.request(b"POST", path, b"multipart/form-data; boundary=" + boundary, body)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            await self.writer.wait_closed()


async def upload_all(
    base: str, token: str, case_id: int, pdfs: list[bytes], clients: int, client_kind: str = "raw"
) -> list[float]:
    """Upload every PDF from `clients` concurrent connections; the latency of each upload in seconds.

    Every connection is opened (GET /health) before the first upload: with httpx, building a client
    also loads an SSL context (~30 ms of CPU each), which is the client's cost, not the server's."""
    queue: asyncio.Queue[int] = asyncio.Queue()
    for index in range(len(pdfs)):
        queue.put_nowait(index)
    latencies: list[float] = []
    failures: list[str] = []
    path = f"/cases/{case_id}/documents"
    if client_kind == "raw":
        url = httpx.URL(base)
        raws = [RawHttp(url.host, url.port or 80, token) for _ in range(clients)]
        await asyncio.gather(*(raw.open() for raw in raws))

        async def raw_client(raw: RawHttp) -> None:
            while not queue.empty():
                index = queue.get_nowait()
                started = time.perf_counter()
                status, body = await raw.upload(path, f"doc-{index:04d}.pdf", pdfs[index])
                latencies.append(time.perf_counter() - started)
                if status != 202:
                    failures.append(f"{index}: {status} {body[:200]!r}")

        try:
            await asyncio.gather(*(raw_client(raw) for raw in raws))
        finally:
            await asyncio.gather(*(raw.close() for raw in raws))
    else:
        headers = {"Authorization": f"Bearer {token}"}
        https = [httpx.AsyncClient(base_url=base, headers=headers, timeout=60) for _ in range(clients)]
        try:
            await asyncio.gather(*(http.get("/health") for http in https))

            async def client(http: httpx.AsyncClient) -> None:
                while not queue.empty():
                    index = queue.get_nowait()
                    files = [("files", (f"doc-{index:04d}.pdf", pdfs[index], "application/pdf"))]
                    started = time.perf_counter()
                    response = await http.post(path, files=files)
                    latencies.append(time.perf_counter() - started)
                    if response.status_code != 202:
                        failures.append(f"{index}: {response.status_code} {response.text[:200]}")

            await asyncio.gather(*(client(http) for http in https))
        finally:
            await asyncio.gather(*(http.aclose() for http in https))
    if failures:
        raise RuntimeError(f"{len(failures)} uploads failed, e.g. {failures[:3]}")
    return latencies


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--wait-processing", action="store_true", help="also wait until every file is read")
    parser.add_argument("--broker", help="enqueue on this Celery broker instead of the server's local pool")
    parser.add_argument("--processes", type=int, default=1, help="server processes (docintel serve --processes)")
    parser.add_argument(
        "--client", choices=("raw", "httpx"), default="raw", help="load client: minimal asyncio HTTP/1.1 or httpx"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="docintel-load-") as home:
        env = os.environ | {"DOCINTEL_HOME": home}
        env.pop("DOCINTEL_DATABASE_URL", None)  # a fresh SQLite store, never a shared database
        env.pop("DOCINTEL_BROKER_URL", None)
        if args.broker:
            env["DOCINTEL_BROKER_URL"] = args.broker
        token = docintel("users", "add", "load-uploader", "--role", "uploader", "--branch", "bench", env=env)
        token = token.strip().splitlines()[-1]
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        serve = ["serve", "--host", "127.0.0.1", "--port", str(port), "--processes", str(args.processes)]
        server = subprocess.Popen(
            [sys.executable, "-m", "docintel.cli", *serve],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_healthy(base, server)
            headers = {"Authorization": f"Bearer {token}"}
            created = httpx.post(
                f"{base}/cases", headers=headers, json={"case_id": "LOAD-1", "borrower_name": "负载测试有限公司"}
            )
            created.raise_for_status()
            case_id = created.json()["id"]
            pdfs = [small_pdf(i) for i in range(args.files)]
            started = time.perf_counter()
            latencies = asyncio.run(upload_all(base, token, case_id, pdfs, args.clients, args.client))
            elapsed = time.perf_counter() - started

            detail = httpx.get(f"{base}/cases/{case_id}", headers=headers, timeout=60).json()
            recorded = {f["sha256"] for f in detail["files"]}
            expected = {hashlib.sha256(p).hexdigest() for p in pdfs}
            blobs = Path(home) / "blobs"
            on_disk = sum((blobs / s[:2] / s[2:]).is_file() for s in expected)
            report = {
                "uploads": len(latencies),
                "clients": args.clients,
                "client": args.client,
                "server_processes": args.processes,
                "accept_p50_ms": round(percentile(latencies, 50) * 1000, 1),
                "accept_p99_ms": round(percentile(latencies, 99) * 1000, 1),
                "accept_max_ms": round(max(latencies) * 1000, 1),
                "uploads_per_s": round(len(latencies) / elapsed, 1),
                "recorded_in_case": len(recorded & expected),
                "blobs_on_disk": on_disk,
                "all_stored": recorded >= expected and on_disk == len(expected),
                "cpu_cores": os.cpu_count(),
            }
            if args.wait_processing:
                deadline = time.monotonic() + 1800
                while time.monotonic() < deadline:
                    progress = httpx.get(f"{base}/cases/{case_id}/progress", headers=headers).json()
                    if not progress["pending"]:
                        break
                    time.sleep(1)
                report["processing_s"] = round(time.perf_counter() - started, 1)
                report["processed"] = {k: progress[k] for k in ("done", "failed", "pending")}
            print(json.dumps(report, indent=2))
            return 0 if report["all_stored"] else 1
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()


if __name__ == "__main__":
    sys.exit(main())
