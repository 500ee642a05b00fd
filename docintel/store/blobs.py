"""Content-addressed store of the originals: `blobs/ab/cdef…` named by sha256, written once, never changed.

A blob is written to a temporary file in the target directory, fsync'd, then renamed into place, so a
crash leaves either the whole blob or none (plus a stray temp file), never a truncated original.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path

from docintel.store.settings import blob_dir


class BlobStore:
    def __init__(self, root: Path | str | None = None) -> None:
        self.root = Path(root) if root is not None else blob_dir()

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a sha256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:]

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def put(self, data: bytes) -> str:
        """Store `data` and return its sha256; bytes already stored are not written again."""
        sha256 = hashlib.sha256(data).hexdigest()
        target = self.path(sha256)
        if target.is_file():
            return sha256
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o444)  # originals are evidence: read-only
            # link() never replaces an existing file (unlike rename), so a concurrent writer of the
            # same bytes cannot make us overwrite a blob; if it got there first, its copy is identical.
            try:
                os.link(tmp, target)
            except FileExistsError:
                pass
            except OSError:  # a filesystem without hard links: rename, after one more existence check
                if not target.exists():
                    os.replace(tmp, target)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        _fsync_dir(target.parent)
        return sha256

    def get(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()

    def verify(self, sha256: str) -> bool:
        """Whether the stored bytes still hash to their name."""
        return hashlib.sha256(self.get(sha256)).hexdigest() == sha256


def _fsync_dir(directory: Path) -> None:
    # The new directory entry must be durable too, or a power cut could lose a blob the DB points to.
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
