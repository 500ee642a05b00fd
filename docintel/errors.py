"""One exception tree; the pipeline turns these into `ProcessingError`s, the CLI into exit codes."""

from __future__ import annotations


class DocintelError(Exception):
    """Base of every error docintel raises on purpose. `reason` is a stable short code."""

    reason = "error"

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        if reason:
            self.reason = reason


class UnreadableDocumentError(DocintelError):
    """The bytes cannot be read as the document they claim to be (truncated, encrypted, corrupt)."""

    reason = "unreadable"


class UnsupportedDocumentError(DocintelError):
    """The bytes are not a document type docintel reads."""

    reason = "unsupported"


class DocumentTooLargeError(DocintelError):
    """Refused before reading: too many pages or pixels, to keep memory bounded."""

    reason = "too_large"


class EngineUnavailableError(DocintelError):
    """An optional engine was asked for but its package or model files are not installed."""

    reason = "engine_unavailable"
