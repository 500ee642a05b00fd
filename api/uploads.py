"""Receiving uploads: stream multipart parts into spooled temp files under size limits and check every
file — or refuse the whole request, so nothing is stored. Storing and recording: api/recording.py.

Limits are enforced while bytes arrive (a 10 GB body is refused after the first 50 MB, never buffered).
Types are sniffed from the bytes; zips are expanded in memory under the ingest walker's zip-bomb limits
and their members stored as separate files, as `docintel ingest` does.
"""

from __future__ import annotations

import contextlib
import hashlib
import tempfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import IO

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from api.settings import ApiSettings
from docintel import sniff
from docintel.ingest.walk import walk_zip

SUPPORTED_TYPES = frozenset({sniff.PDF, sniff.OFD, sniff.XML, *sniff.IMAGE_TYPES})
_MAX_FIELD_BYTES = 64 * 1024  # plain (non-file) form fields are ignored, but must not grow without bound
_SPOOL_BYTES = 1024 * 1024  # a part up to this size stays in memory while the request is checked


@dataclass(frozen=True, slots=True)
class Problem:
    filename: str
    reason: str
    message: str
    status: int


class UploadRejected(Exception):
    """The request is refused as a whole; `status` is the most telling of the problems' statuses."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{p.filename}: {p.message}" for p in problems))
        self.problems = problems
        statuses = {p.status for p in problems}
        self.status = next((s for s in (413, 415, 422) if s in statuses), 422)


@dataclass(slots=True)
class ReceivedPart:
    filename: str
    file: IO[bytes]
    size: int = 0


@dataclass(slots=True)
class _PartState:
    headers: dict[bytes, bytes] = field(default_factory=dict)
    header_field: bytes = b""
    header_value: bytes = b""
    part: ReceivedPart | None = None
    field_bytes: int = 0


async def receive_parts(request: Request, settings: ApiSettings) -> list[ReceivedPart]:
    """Stream the multipart body into temp files; raises `UploadRejected` (parts already closed)."""
    media_type, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if media_type != b"multipart/form-data" or not boundary:
        raise UploadRejected([Problem("(request)", "not_multipart", "send the files as multipart/form-data", 415)])
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > settings.max_request_bytes:
        raise _too_large("(request)", "request_too_large", settings.max_request_bytes)
    settings.upload_tmp.mkdir(parents=True, exist_ok=True)
    parts: list[ReceivedPart] = []
    state = _PartState()
    ended = False

    def on_part_begin() -> None:
        state.headers, state.part, state.field_bytes = {}, None, 0

    def on_header_field(data: bytes, start: int, end: int) -> None:
        state.header_field += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        state.header_value += data[start:end]

    def on_header_end() -> None:
        state.headers[state.header_field.lower()] = state.header_value
        state.header_field, state.header_value = b"", b""

    def on_headers_finished() -> None:
        _, disposition = parse_options_header(state.headers.get(b"content-disposition", b""))
        raw_name = disposition.get(b"filename")
        if raw_name is None:
            return  # a plain form field: not a file
        if len(parts) >= settings.max_files:
            raise UploadRejected([Problem("(request)", "too_many_files", f"at most {settings.max_files} files", 413)])
        name = raw_name.decode("utf-8", errors="replace")
        # Closed by close_parts() in every outcome (the route calls it in `finally`). Held in memory up
        # to _SPOOL_BYTES (no file to create on the event loop for a typical invoice), on disk beyond.
        spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES, dir=settings.upload_tmp)  # noqa: SIM115
        state.part = ReceivedPart(filename=name, file=spool)
        parts.append(state.part)

    def on_part_data(data: bytes, start: int, end: int) -> None:
        part = state.part
        if part is None:
            state.field_bytes += end - start
            if state.field_bytes > _MAX_FIELD_BYTES:
                raise _too_large("(form field)", "field_too_large", _MAX_FIELD_BYTES)
            return
        part.size += end - start
        if part.size > settings.max_file_bytes:
            raise _too_large(part.filename, "file_too_large", settings.max_file_bytes)
        part.file.write(data[start:end])

    def on_end() -> None:
        nonlocal ended
        ended = True

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": on_part_begin,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": on_headers_finished,
            "on_part_data": on_part_data,
            "on_end": on_end,
        },
    )
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > settings.max_request_bytes:
                raise _too_large("(request)", "request_too_large", settings.max_request_bytes)
            parser.write(chunk)
        parser.finalize()
        if not ended:
            raise UploadRejected([Problem("(request)", "bad_multipart", "the multipart body ends early", 422)])
    except MultipartParseError as exc:
        close_parts(parts)
        raise UploadRejected([Problem("(request)", "bad_multipart", f"malformed multipart body: {exc}", 422)]) from exc
    except BaseException:
        close_parts(parts)
        raise
    if not parts:
        raise UploadRejected([Problem("(request)", "no_files", "no file parts in the request (field 'files')", 422)])
    return parts


def any_zip(parts: list[ReceivedPart]) -> bool:
    """Whether a part starts like a zip (or an OFD, which is one): checking it means expanding it."""
    for part in parts:
        part.file.seek(0)
        if part.file.read(4) == b"PK\x03\x04":
            return True
    return False


def close_parts(parts: list[ReceivedPart]) -> None:
    for part in parts:
        with contextlib.suppress(OSError):
            part.file.close()


def _too_large(filename: str, reason: str, limit: int) -> UploadRejected:
    return UploadRejected([Problem(filename, reason, f"larger than the limit of {limit} bytes", 413)])


@dataclass(frozen=True, slots=True)
class Candidate:
    """One file to store: a top-level upload or a member of an uploaded zip."""

    filename: str  # as uploaded (zip members: "batch.zip!/member.pdf")
    path: str  # the logical path recorded in the store
    data: bytes
    sha256: str
    media_type: str


def safe_name(filename: str, index: int) -> str:
    """The last path component, without control characters: clients may send "../../x" or "C:\\x"."""
    name = PurePosixPath(filename.replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable()).strip()[:255]
    return name if name not in ("", ".", "..") else f"upload-{index}"


def check_parts(parts: list[ReceivedPart], case_key: str, settings: ApiSettings) -> list[Candidate]:
    """Every file the request would store, after sniffing and zip expansion; raises `UploadRejected`
    listing every problem, so the client can fix them all at once."""
    problems: list[Problem] = []
    candidates: list[Candidate] = []
    for index, part in enumerate(parts, 1):
        part.file.seek(0)
        data = part.file.read()
        name = safe_name(part.filename, index)
        base = f"api/{case_key}/{name}"
        media_type = sniff.sniff_media_type(data)
        if media_type == sniff.EMPTY:
            problems.append(Problem(part.filename, "empty_file", "the file is empty", 422))
        elif media_type == sniff.ZIP:
            candidates += _zip_members(data, part.filename, base, settings, problems)
        elif media_type not in SUPPORTED_TYPES:
            message = "not a PDF, OFD, XML, image or zip (type sniffed from the bytes, not the name)"
            problems.append(Problem(part.filename, "unsupported_type", message, 415))
        else:
            candidates.append(Candidate(part.filename, base, data, hashlib.sha256(data).hexdigest(), media_type))
    if len(candidates) > settings.max_files:
        message = f"{len(candidates)} files once zips are expanded, more than {settings.max_files}"
        problems.append(Problem("(request)", "too_many_files", message, 413))
    if problems:
        raise UploadRejected(problems)
    return _distinct_paths(candidates)


def _zip_members(
    data: bytes, filename: str, base: str, settings: ApiSettings, problems: list[Problem]
) -> list[Candidate]:
    found: list[Candidate] = []
    for entry in walk_zip(data, base, settings.zip_limits, manifests=[], depth=1):
        shown = filename + entry.path.removeprefix(base)
        if entry.rejected or entry.load is None:
            reason = entry.reject_reason or "bad_zip"
            status = 413 if reason in {"zip_too_many_members", "zip_member_too_large", "zip_total_too_large"} else 422
            problems.append(Problem(shown, reason, entry.reject_message or "unreadable zip member", status))
            continue
        content = entry.load()
        media_type = sniff.sniff_media_type(content)
        if media_type == sniff.EMPTY:
            problems.append(Problem(shown, "empty_file", "the zip member is empty", 422))
        elif media_type not in SUPPORTED_TYPES:
            problems.append(Problem(shown, "unsupported_type", f"zip member of unsupported type {media_type}", 415))
        else:
            found.append(Candidate(shown, entry.path, content, hashlib.sha256(content).hexdigest(), media_type))
    if not found and not any(p.filename.startswith(filename) for p in problems):
        problems.append(Problem(filename, "empty_zip", "the zip archive holds no files", 422))
    return found


def _distinct_paths(candidates: list[Candidate]) -> list[Candidate]:
    """One request may not name one path twice (a run logs each path once): the same bytes twice are
    one file; different bytes under one name get " (2)", " (3)"… so both are kept."""
    out: list[Candidate] = []
    seen: dict[str, str] = {}
    for c in candidates:
        path, n = c.path, 1
        while path in seen and seen[path] != c.sha256:
            n += 1
            stem, dot, ext = c.path.rpartition(".")
            path = f"{stem} ({n}).{ext}" if dot and "/" not in ext else f"{c.path} ({n})"
        if seen.get(path) == c.sha256:
            continue
        seen[path] = c.sha256
        out.append(Candidate(c.filename, path, c.data, c.sha256, c.media_type))
    return out
