"""What every request needs: settings, the store's engine and blobs, the work queue, and the caller."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine

from api import audit
from api.auth import Principal, authenticate, remembered
from api.processing import CeleryQueue, LocalQueue, WorkQueue
from api.recorder import UploadRecorder
from api.settings import ApiSettings
from docintel.store.blobs import BlobStore
from docintel.store.db import transaction
from docintel.store.models import Role


@dataclass
class AppContext:
    settings: ApiSettings
    engine: Engine
    blobs: BlobStore
    _queue: WorkQueue | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    seen_users: set[str] = field(default_factory=set)  # who has logged in to this process (audit)
    _web_secret: bytes | None = None
    recorder: UploadRecorder = field(init=False)
    # (user, role, branch, case id) → case key, for cases found visible: a case is never deleted or
    # moved to another branch, so a visible case stays visible (a refused one is always asked again).
    _visible: dict[tuple[str, str, str | None, int], str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.recorder = UploadRecorder(self.engine)

    def visible_case_key(self, principal: Principal, case_id: int) -> str | None:
        """The key of the case if `principal` may see it and this process already found so, else None."""
        return self._visible.get((principal.name, principal.role.value, principal.branch, case_id))

    def remember_visible(self, principal: Principal, case_id: int, key: str) -> None:
        if len(self._visible) > 100_000:
            self._visible.clear()
        self._visible[(principal.name, principal.role.value, principal.branch, case_id)] = key

    @property
    def queue(self) -> WorkQueue:
        """Started on first use: an app that only serves reads never spawns workers."""
        with self._lock:
            if self._queue is None:
                if self.settings.broker_url:
                    self._queue = CeleryQueue()
                else:
                    self._queue = LocalQueue(self.engine, str(self.blobs.root), self.settings.workers)
            return self._queue

    @property
    def web_secret(self) -> bytes:
        """The key that signs officer-app session cookies (see api/web/session.py)."""
        with self._lock:
            if self._web_secret is None:
                from api.web.session import load_secret

                self._web_secret = load_secret(self.settings.home)
            return self._web_secret

    def close(self) -> None:
        self.recorder.close()
        with self._lock:
            queue, self._queue = self._queue, None
        if queue is not None:
            queue.close()


def get_context(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


Ctx = Annotated[AppContext, Depends(get_context)]

_bearer = HTTPBearer(auto_error=False, description="a token from `docintel users add NAME --role ROLE`")


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, message, headers={"WWW-Authenticate": "Bearer"})


async def current_user(
    request: Request, ctx: Ctx, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise _unauthorized("a bearer token is required")
    # The common case, a token seen moments ago by a user already logged in, needs no database and so
    # no hop to the thread pool; anything else looks the token up (and audits) in a thread.
    principal = remembered(credentials.credentials)
    if principal is not None and principal.name in ctx.seen_users:
        return principal
    return await run_in_threadpool(_authenticate, request, ctx, credentials.credentials)


def _authenticate(request: Request, ctx: AppContext, token: str) -> Principal:
    principal = authenticate(ctx.engine, token)
    client = request.client.host if request.client else None
    if principal is None:
        with transaction(ctx.engine) as session:
            audit.record(session, None, audit.Action.LOGIN_FAILED, None, client=client, path=request.url.path)
        raise _unauthorized("unknown or revoked token")
    # Tokens are bearer tokens, not sessions: a "login" is a user's first request to this server process.
    with ctx._lock:
        first = principal.name not in ctx.seen_users
        ctx.seen_users.add(principal.name)
    if first:
        with transaction(ctx.engine) as session:
            audit.record(session, principal.name, audit.Action.LOGIN, None, client=client, role=principal.role.value)
    return principal


User = Annotated[Principal, Depends(current_user)]


def require(principal: Principal, *roles: Role) -> None:
    """403 when the caller's role may not use this route at all (before any case is looked up, so
    the answer says nothing about which cases exist)."""
    if principal.role not in roles:
        allowed = ", ".join(r.value for r in roles)
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"this needs the role {allowed}; you are {principal.role.value}")


def not_found(what: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, f"{what} not found")
