"""Log masking: ID-card numbers, tax IDs (统一社会信用代码) and bank account numbers keep only their last
4 characters. Installed as a filter on the handlers of the app's loggers, because a filter on a logger
does not see records propagated from its children (docintel.pipeline → docintel → root)."""

from __future__ import annotations

import logging
import re

# Lookarounds instead of \b: \b treats CJK characters as word characters, so "税号91110000MA01ABCD2X"
# would not match. Alternatives, longest first:
#   18-char USCC / tax ID: two chars, six-digit region, ten chars of [0-9A-Z] (the check char included);
#   18-char ID card: 17 digits and a digit or X;
#   15- or 20-char older tax IDs (digits with capitals);
#   10–25 digit account numbers (also catches bare 15/18/20-digit tax IDs).
SENSITIVE = re.compile(
    r"(?<![0-9A-Za-z])("
    r"[0-9A-Z]{2}\d{6}[0-9A-Z]{10}"
    r"|\d{17}[\dXx]"
    r"|(?=[0-9A-Z]*\d[0-9A-Z]*\d)[0-9A-Z]{15}(?:[0-9A-Z]{5})?"
    r"|\d{10,25}"
    r")(?![0-9A-Za-z])"
)


def mask(text: str) -> str:
    return SENSITIVE.sub(lambda m: "****" + m.group(1)[-4:], text)


class MaskingFilter(logging.Filter):
    """Rewrites a record's message (arguments merged in) and exception text with numbers masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_docintel_masked", False):
            return True  # the same record passes several handlers: mask once
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: let logging report it as it would
            return True
        record.msg, record.args = mask(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        record._docintel_masked = True
        return True


APP_LOGGERS = ("", "uvicorn", "uvicorn.access", "uvicorn.error", "docintel", "api", "fastapi")
_FILTER = MaskingFilter()


def install(logger_names: tuple[str, ...] = APP_LOGGERS) -> MaskingFilter:
    """Add the masking filter to these loggers and to every handler they have now (idempotent)."""
    for name in logger_names:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
        for handler in logger.handlers:
            if _FILTER not in handler.filters:
                handler.addFilter(_FILTER)
    return _FILTER
