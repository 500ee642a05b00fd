"""Walk nested folders and zip archives into entries: a logical path, its folder and its bytes.

Zip members are read in memory, never extracted to disk, under limits that stop zip bombs: members per
archive, bytes per member, total bytes per archive and compression ratio. Declared sizes are not trusted:
a member is read in chunks and abandoned as soon as it passes a limit. Members with absolute paths, `..`
components or symlink modes are refused. Every refusal becomes an entry with a specific reason.

A folder may hold an `.docintelignore` file: one glob pattern a line (`#` comments), matched against
the path relative to that folder and against the file name; a pattern ending in `/` names folders.
It applies to everything below that folder on disk (archive contents too), never to `case.json`.
"""

from __future__ import annotations

import fnmatch
import io
import os
import stat
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

MANIFEST_NAME = "case.json"
IGNORE_NAME = ".docintelignore"
ZIP_MAGIC = b"PK\x03\x04"
_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class ZipLimits:
    max_members: int = 10_000
    max_member_bytes: int = 256 * 1024 * 1024
    max_total_bytes: int = 2 * 1024 * 1024 * 1024
    max_ratio: float = 200.0  # uncompressed / compressed; scanned PDFs and images compress barely at all
    ratio_floor_bytes: int = 1024 * 1024  # small members may compress well without being a threat
    max_depth: int = 3  # zips inside zips


@dataclass(slots=True)
class Entry:
    """One file found. `path` is "folder/sub/file.pdf" or "folder/batch.zip!/sub/file.pdf"."""

    path: str
    folder: str  # the logical folder holding it (inside an archive for zip members)
    load: Callable[[], bytes] | None  # None when rejected
    reject_reason: str | None = None
    reject_message: str | None = None

    @property
    def rejected(self) -> bool:
        return self.reject_reason is not None


@dataclass(slots=True)
class Manifest:
    folder: str
    text: bytes


class MemberRejected(Exception):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def _rejected(path: str, folder: str, reason: str, message: str) -> Entry:
    return Entry(path=path, folder=folder, load=None, reject_reason=reason, reject_message=message)


def walk(root: Path, limits: ZipLimits | None = None, manifests: list[Manifest] | None = None) -> Iterator[Entry]:
    """Every file under `root` (a folder, a zip or a single file), sorted, hidden files skipped.

    Paths are logical: absolute for files on disk, `archive!/member` inside archives. `case.json`
    manifests are not entries; they are appended to `manifests` when a list is given.
    """
    limits = limits or ZipLimits()
    manifests = manifests if manifests is not None else []
    root = root.absolute()
    if root.is_file():
        yield from _walk_file(root, limits, manifests)
        return
    rules: list[IgnoreRules] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(dirpath)
        rules = [r for r in rules if r.governs(here)]
        if IGNORE_NAME in filenames:
            rules.append(IgnoreRules.load(here))
        dirnames[:] = sorted(
            d for d in dirnames if not d.startswith(".") and not any(r.ignores(here / d, folder=True) for r in rules)
        )
        # case.json first: it decides the case of every file below it.
        for name in sorted(filenames, key=lambda n: (n != MANIFEST_NAME, n)):
            if name.startswith("."):
                continue
            if name != MANIFEST_NAME and any(r.ignores(here / name, folder=False) for r in rules):
                continue
            yield from _walk_file(here / name, limits, manifests)


@dataclass(frozen=True, slots=True)
class IgnoreRules:
    """The patterns of one `.docintelignore`, for the folder it sits in and everything below."""

    folder: Path
    patterns: tuple[str, ...]

    @classmethod
    def load(cls, folder: Path) -> IgnoreRules:
        try:
            lines = (folder / IGNORE_NAME).read_text(encoding="utf-8-sig").splitlines()
        except (OSError, UnicodeDecodeError):
            lines = []
        return cls(folder, tuple(line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")))

    def governs(self, path: Path) -> bool:
        return path == self.folder or self.folder in path.parents

    def ignores(self, path: Path, folder: bool) -> bool:
        relative = path.relative_to(self.folder).as_posix()
        for pattern in self.patterns:
            if pattern.endswith("/"):
                if folder and (fnmatch.fnmatch(relative, pattern[:-1]) or fnmatch.fnmatch(path.name, pattern[:-1])):
                    return True
            elif not folder and (fnmatch.fnmatch(relative, pattern) or fnmatch.fnmatch(path.name, pattern)):
                return True
        return False


def _walk_file(path: Path, limits: ZipLimits, manifests: list[Manifest]) -> Iterator[Entry]:
    folder = str(path.parent)
    if path.is_symlink():
        # A link could point anywhere on the machine; only files really inside the archive are read.
        yield _rejected(str(path), folder, "symlink", f"symbolic link to {os.readlink(path)} not followed")
        return
    if path.name == MANIFEST_NAME:
        manifests.append(Manifest(folder=folder, text=path.read_bytes()))
        return
    if _is_zip_file(path):
        try:
            data = path.read_bytes()
        except OSError as exc:
            yield _rejected(str(path), folder, "unreadable_file", f"cannot read file: {exc.strerror or exc}")
            return
        yield from walk_zip(data, str(path), limits, manifests, depth=1)
        return
    yield Entry(path=str(path), folder=folder, load=path.read_bytes)


def _is_zip_file(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(4) == ZIP_MAGIC
    except OSError:
        return False


def walk_zip(data: bytes, name: str, limits: ZipLimits, manifests: list[Manifest], depth: int) -> Iterator[Entry]:
    """Entries of the zip archive `data` known as `name`, nested archives included, all in memory."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        yield _rejected(name, str(PurePosixPath(name).parent), "bad_zip", f"not a readable zip archive: {exc}")
        return
    with archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        if len(infos) > limits.max_members:
            message = f"{len(infos)} members, more than the limit of {limits.max_members}"
            yield _rejected(name, str(PurePosixPath(name).parent), "zip_too_many_members", message)
            return
        total = 0
        for info in sorted(infos, key=lambda i: (PurePosixPath(i.filename).name != MANIFEST_NAME, i.filename)):
            member_path = f"{name}!/{info.filename}"
            member_folder = f"{name}!/{PurePosixPath(info.filename).parent}".removesuffix("/.")
            if PurePosixPath(info.filename).name.startswith("."):
                continue
            try:
                _check_member(info)
                if total + info.file_size > limits.max_total_bytes:
                    raise MemberRejected(
                        "zip_total_too_large",
                        f"archive would expand past {limits.max_total_bytes} bytes (declared sizes)",
                    )
                content = _read_member(archive, info, limits, limits.max_total_bytes - total)
            except MemberRejected as exc:
                yield _rejected(member_path, member_folder, exc.reason, str(exc))
                continue
            except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, RuntimeError, EOFError) as exc:
                # RuntimeError: encrypted member; BadZipFile: CRC mismatch or damaged data.
                yield _rejected(member_path, member_folder, "bad_zip_member", f"cannot read member: {exc}")
                continue
            total += len(content)
            if PurePosixPath(info.filename).name == MANIFEST_NAME:
                manifests.append(Manifest(folder=member_folder, text=content))
            elif content.startswith(ZIP_MAGIC):
                if depth >= limits.max_depth:
                    message = f"archive nested deeper than {limits.max_depth} levels"
                    yield _rejected(member_path, member_folder, "zip_too_deep", message)
                else:
                    yield from walk_zip(content, member_path, limits, manifests, depth + 1)
            else:
                yield Entry(path=member_path, folder=member_folder, load=_constant(content))


def _constant(content: bytes) -> Callable[[], bytes]:
    return lambda: content


def _check_member(info: zipfile.ZipInfo) -> None:
    name = info.filename
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        raise MemberRejected("zip_absolute_path", f"member name {name!r} is an absolute path")
    if ".." in PurePosixPath(name.replace("\\", "/")).parts:
        raise MemberRejected("zip_path_traversal", f"member name {name!r} climbs out of the archive with '..'")
    if stat.S_ISLNK(info.external_attr >> 16):
        raise MemberRejected("zip_symlink", f"member {name!r} is a symbolic link")
    if info.flag_bits & 0x1:
        raise MemberRejected("zip_encrypted", f"member {name!r} is encrypted")


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: ZipLimits, budget: int) -> bytes:
    """Read one member in chunks, abandoning it the moment it passes a limit (declared sizes may lie)."""
    cap = min(limits.max_member_bytes, budget)
    chunks: list[bytes] = []
    size = 0
    with archive.open(info) as handle:
        while chunk := handle.read(_CHUNK):
            size += len(chunk)
            if size > cap:
                which = "member" if cap == limits.max_member_bytes else "archive total"
                raise MemberRejected(
                    "zip_member_too_large" if which == "member" else "zip_total_too_large",
                    f"{info.filename!r} expands past the {which} limit of {cap} bytes",
                )
            if size > limits.ratio_floor_bytes and size / max(info.compress_size, 1) > limits.max_ratio:
                raise MemberRejected(
                    "zip_bomb_ratio",
                    f"{info.filename!r} expands more than {limits.max_ratio:g}x "
                    f"({info.compress_size} compressed bytes, over {size} uncompressed)",
                )
            chunks.append(chunk)
    return b"".join(chunks)
