"""Browser sessions for the officer app: a login with a bearer token sets a signed, HttpOnly,
SameSite=Strict cookie; the token itself never reaches the page or its scripts.

The cookie holds the user's name, an expiry and a fingerprint of the user's current token hash, signed
with HMAC-SHA256 under a server secret (DOCINTEL_WEB_SECRET, else a random key kept in
DOCINTEL_HOME/web-secret, 0600). Rotating a user's token (`docintel users token`) therefore ends their
browser sessions too. Forms that change state carry a CSRF token derived from the session cookie.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, select

from api.auth import Principal
from docintel.store.db import read_transaction
from docintel.store.models import Role, User

COOKIE = "docintel_session"
LIFETIME_S = 8 * 3600  # one working day


def load_secret(home: Path) -> bytes:
    configured = os.environ.get("DOCINTEL_WEB_SECRET")
    if configured:
        return configured.encode()
    path = home / "web-secret"
    if not path.is_file():
        home.mkdir(parents=True, exist_ok=True)
        try:  # O_EXCL: of two servers starting at once, one writes the key and both read it
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as handle:
                handle.write(secrets.token_bytes(32))
    return path.read_bytes()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _token_tag(token_hash: str) -> str:
    return hashlib.sha256(f"session:{token_hash}".encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class WebSession:
    principal: Principal
    cookie: str

    def csrf(self, secret: bytes) -> str:
        return hmac.new(secret, f"csrf:{self.cookie}".encode(), hashlib.sha256).hexdigest()


def issue(secret: bytes, user: User, now: float | None = None) -> str:
    expires = int((now or time.time()) + LIFETIME_S)
    payload = f"{_b64(user.name.encode())}.{expires}.{_token_tag(user.token_hash)}"
    signature = hmac.new(secret, payload.encode(), hashlib.sha256).hexdigest()
    return f"{payload}.{signature}"


def verify(secret: bytes, engine: Engine, cookie: str | None, now: float | None = None) -> WebSession | None:
    """The session a cookie stands for, or None when it is missing, forged, expired or revoked."""
    if not cookie or cookie.count(".") != 3:
        return None
    name_part, expires, tag, signature = cookie.split(".")
    payload = f"{name_part}.{expires}.{tag}"
    expected = hmac.new(secret, payload.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        return None
    try:
        if int(expires) < (now or time.time()):
            return None
        name = _unb64(name_part).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    with read_transaction(engine) as session:
        user = session.scalars(select(User).where(User.name == name)).first()
    if user is None or not hmac.compare_digest(_token_tag(user.token_hash), tag):
        return None
    return WebSession(Principal(name=user.name, role=Role(user.role), branch=user.branch), cookie)


def user_for_token(engine: Engine, token_hash: str) -> User | None:
    with read_transaction(engine) as session:
        return session.scalars(select(User).where(User.token_hash == token_hash)).first()
