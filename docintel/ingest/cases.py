"""Which case a file belongs to.

In order: the nearest folder (on disk or inside an archive) holding a `case.json` manifest; else the
`case` group of `--case-pattern` matched against the path relative to the ingest root's parent; else
the file's own folder. Case keys are relative to the ingest root's parent ("archive/borrowerA",
"batch.zip!/borrowerA"), so the same delivery unpacked elsewhere maps to the same cases.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docintel.ingest.walk import Entry, Manifest

MANIFEST_KEY_FIELDS = ("case_id", "id", "case")


@dataclass(frozen=True, slots=True)
class CaseRef:
    key: str
    manifest: dict[str, Any] | None = None


class CaseAssigner:
    def __init__(self, root: Path, pattern: str | None = None, manifests: list[Manifest] | None = None) -> None:
        self.base = str(root.absolute().parent).rstrip("/") + "/"
        self.pattern = re.compile(pattern) if pattern else None
        if self.pattern is not None and "case" not in self.pattern.groupindex:
            raise ValueError("--case-pattern needs a named group 'case', e.g. '(?P<case>[^/]+)/'")
        # The walker appends manifests as it meets them, before the files they govern (it visits a
        # folder's case.json first), so this list is read live, not copied.
        self._found = manifests if manifests is not None else []
        self._parsed: dict[str, dict[str, Any]] = {}
        self._seen = 0

    @property
    def manifests(self) -> dict[str, dict[str, Any]]:
        for manifest in self._found[self._seen :]:
            self._parsed[manifest.folder] = _parse_manifest(manifest.text)
        self._seen = len(self._found)
        return self._parsed

    def relative(self, logical: str) -> str:
        return logical.removeprefix(self.base)

    def assign(self, entry: Entry) -> CaseRef:
        folder, manifests = entry.folder, self.manifests
        while folder:
            if folder in manifests:
                manifest = manifests[folder]
                key = next((str(manifest[k]) for k in MANIFEST_KEY_FIELDS if manifest.get(k)), None)
                return CaseRef(key=key or self.relative(folder), manifest=manifest)
            parent = folder.rpartition("/")[0]
            folder = parent if parent != folder else ""
        if self.pattern is not None:
            match = self.pattern.search(self.relative(entry.path))
            if match and match.group("case"):
                return CaseRef(key=match.group("case"))
        return CaseRef(key=self.relative(entry.folder))


def _parse_manifest(text: bytes) -> dict[str, Any]:
    try:
        parsed = json.loads(text.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        # The folder is still a case (the file says so); the manifest's problem is kept, not hidden.
        return {"invalid_manifest": str(exc)}
    return parsed if isinstance(parsed, dict) else {"manifest": parsed}
