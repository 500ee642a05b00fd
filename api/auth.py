"""Users, bearer tokens and who may see which case.

A token is `secrets.token_urlsafe(32)` (256 random bits); only its sha256 is stored. Lookup is by that
hash, then compared again in constant time, so neither the table nor response timing gives a token away.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Engine, false, select, true
from sqlalchemy.exc import IntegrityError

from docintel.store.db import read_transaction, transaction
from docintel.store.models import Case, Role, User


class UserError(ValueError):
    """A user that cannot be created as asked (duplicate name, missing branch)."""


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller of one request."""

    name: str
    role: Role
    branch: str | None

    def can_see(self, case: Case) -> bool:
        if self.role is Role.ADMIN:
            return True
        if self.role is Role.OFFICER:
            return self.branch is not None and case.branch == self.branch
        return case.created_by == self.name

    def visible_cases(self) -> ColumnElement[bool]:
        """The same rule as `can_see`, as a WHERE clause on `Case`."""
        if self.role is Role.ADMIN:
            return true()
        if self.role is Role.OFFICER:
            return Case.branch == self.branch if self.branch is not None else false()
        return Case.created_by == self.name


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_user(engine: Engine, name: str, role: Role, branch: str | None = None) -> str:
    """Create a user and return its new token (shown once; only its hash is kept)."""
    name = name.strip()
    if not name:
        raise UserError("a user needs a name")
    if role in (Role.UPLOADER, Role.OFFICER) and not branch:
        # Officers see the cases of their branch, and uploaders' cases are filed under their branch.
        raise UserError(f"a {role.value} needs --branch")
    token = secrets.token_urlsafe(32)
    try:
        with transaction(engine) as session:
            session.add(User(name=name, role=role.value, branch=branch or None, token_hash=hash_token(token)))
    except IntegrityError as exc:
        raise UserError(f"a user named {name!r} already exists") from exc
    return token


def issue_token(engine: Engine, name: str) -> str:
    """A new token for an existing user; the old one stops working. Raises UserError for an unknown name."""
    token = secrets.token_urlsafe(32)
    with transaction(engine) as session:
        user = session.scalars(select(User).where(User.name == name.strip())).first()
        if user is None:
            raise UserError(f"no user named {name!r}")
        user.token_hash = hash_token(token)
    forget_tokens()  # the old token must stop working in this process now
    return token


# Who a token belongs to, remembered briefly: every API request authenticates, and on SQLite each
# lookup is a transaction that queues with the writers. A token revoked from another process (the
# `docintel users token` command) stops working within TOKEN_CACHE_SECONDS; in this process at once.
TOKEN_CACHE_SECONDS = 30.0
_token_cache: dict[str, tuple[Principal, float]] = {}
_token_cache_lock = threading.Lock()


def forget_tokens() -> None:
    with _token_cache_lock:
        _token_cache.clear()


def remembered(token: str) -> Principal | None:
    """The token's user if this process looked it up less than TOKEN_CACHE_SECONDS ago (no I/O)."""
    with _token_cache_lock:
        cached = _token_cache.get(hash_token(token))
    return cached[0] if cached is not None and cached[1] > time.monotonic() else None


def authenticate(engine: Engine, token: str) -> Principal | None:
    digest = hash_token(token)
    now = time.monotonic()
    with _token_cache_lock:
        cached = _token_cache.get(digest)
    if cached is not None and cached[1] > now:
        return cached[0]
    with read_transaction(engine) as session:
        user = session.scalars(select(User).where(User.token_hash == digest)).first()
    if user is None or not hmac.compare_digest(user.token_hash, digest):
        return None
    principal = Principal(name=user.name, role=Role(user.role), branch=user.branch)
    with _token_cache_lock:
        if len(_token_cache) > 10_000:  # bounded: tokens are few, but a flood of them must not grow it
            _token_cache.clear()
        _token_cache[digest] = (principal, now + TOKEN_CACHE_SECONDS)
    return principal
