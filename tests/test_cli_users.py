"""`docintel users add` / `users token`: tokens printed once on the last line, rotation revokes the old one."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.auth import authenticate
from docintel.cli import app
from docintel.store.db import get_engine


def test_users_token_rotates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'docintel.db'}"
    monkeypatch.setenv("DOCINTEL_DATABASE_URL", url)
    runner = CliRunner()
    added = runner.invoke(app, ["users", "add", "alice", "--role", "admin"])
    assert added.exit_code == 0, added.output
    first = added.output.strip().splitlines()[-1]
    engine = get_engine(url)
    assert authenticate(engine, first) is not None

    rotated = runner.invoke(app, ["users", "token", "alice"])
    assert rotated.exit_code == 0, rotated.output
    second = rotated.output.strip().splitlines()[-1]
    assert second != first
    assert authenticate(engine, first) is None
    principal = authenticate(engine, second)
    assert principal is not None and principal.name == "alice"

    unknown = runner.invoke(app, ["users", "token", "bob"])
    assert unknown.exit_code == 1 and "no user named 'bob'" in unknown.output
