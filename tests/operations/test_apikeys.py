"""API keys of Open311 clients: issued once (only a hash kept), revoked, listed, checked, audited; and the CLI."""

from __future__ import annotations

import getpass
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from operations import apikeys, audit
from operations.apikeys import ApiKeyError
from operations.models import ApiKey
from operations.store import db

ROOT = Path(__file__).resolve().parents[2]


def test_a_key_is_shown_once_and_only_its_hash_is_kept(database: str) -> None:
    with db(database) as session:
        key = apikeys.issue(session, "xiaochengxu", actor="admin")
    assert key.startswith(apikeys.KEY_PREFIX) and len(key) > 40
    with db(database) as session:
        row = session.scalar(select(ApiKey).where(ApiKey.client == "xiaochengxu"))
        assert row is not None and row.revoked_at is None
        assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
        stored = [str(v) for v in (row.client, row.key_hash, row.created_at)]
        assert all(key not in value and key[len(apikeys.KEY_PREFIX):] not in value for value in stored)
        assert apikeys.client_for_key(session, key) == "xiaochengxu"
        assert apikeys.client_for_key(session, f" {key} ") == "xiaochengxu"


def test_unknown_empty_and_revoked_keys_open_nothing(database: str) -> None:
    with db(database) as session:
        key = apikeys.issue(session, "fixmystreet")
        other = apikeys.issue(session, "xiaochengxu")
    with db(database) as session:
        assert apikeys.client_for_key(session, None) is None
        assert apikeys.client_for_key(session, "") is None
        assert apikeys.client_for_key(session, key + "x") is None
        assert apikeys.client_for_key(session, hashlib.sha256(key.encode()).hexdigest()) is None  # the hash itself
        apikeys.revoke(session, "fixmystreet")
    with db(database) as session:
        assert apikeys.client_for_key(session, key) is None
        assert apikeys.client_for_key(session, other) == "xiaochengxu"
        listed = [(k.client, k.revoked_at is not None) for k in apikeys.list_keys(session)]
    assert listed == [("fixmystreet", True), ("xiaochengxu", False)]


def test_a_revoked_client_gets_a_new_key_and_the_old_one_stays_dead(database: str) -> None:
    with db(database) as session:
        old = apikeys.issue(session, "xiaochengxu")
        with pytest.raises(ApiKeyError, match="已有有效密钥"):
            apikeys.issue(session, "xiaochengxu")
        apikeys.revoke(session, "xiaochengxu")
        with pytest.raises(ApiKeyError, match="已吊销"):
            apikeys.revoke(session, "xiaochengxu")
        new = apikeys.issue(session, "xiaochengxu")
    assert new != old
    with db(database) as session:
        assert apikeys.client_for_key(session, old) is None
        assert apikeys.client_for_key(session, new) == "xiaochengxu"
        assert len(apikeys.list_keys(session)) == 1


@pytest.mark.parametrize("name", ["", " ", "a b", "x" * 65, "名字;drop", "-lead"])
def test_client_names_are_checked(database: str, name: str) -> None:
    with db(database) as session, pytest.raises(ApiKeyError, match="客户端名称"):
        apikeys.issue(session, name)


def test_revoking_an_unknown_client_says_so(database: str) -> None:
    with db(database) as session, pytest.raises(ApiKeyError, match="没有客户端"):
        apikeys.revoke(session, "nobody")


def test_every_issue_and_revoke_is_audited(database: str) -> None:
    with db(database) as session:
        key = apikeys.issue(session, "xiaochengxu", actor="admin", address="10.0.0.2")
        apikeys.revoke(session, "xiaochengxu", actor="admin", address="10.0.0.2")
        apikeys.issue(session, "xiaochengxu", actor="cli:ops")
    with db(database) as session:
        table = audit.entries(session)
    rows = list(zip(table["action"], table["actor"], table["target"], table["address"], strict=True))
    assert rows == [("apikey_issued", "cli:ops", "xiaochengxu", ""),
                    ("apikey_revoked", "admin", "xiaochengxu", "10.0.0.2"),
                    ("apikey_issued", "admin", "xiaochengxu", "10.0.0.2")]
    assert key not in table.to_string() and hashlib.sha256(key.encode()).hexdigest() not in table.to_string()
    assert audit.ACTIONS["apikey_issued"] == ("签发接口密钥", "API key issued")
    assert audit.ACTIONS["apikey_revoked"] == ("吊销接口密钥", "API key revoked")


def _cli(database: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m operations ARGS`` on ``database`` in a process of its own (the store's engine is made once per
    process from ``$DATABASE_URL``, so a changed variable would not reach an in-process call)."""
    env = {**os.environ, "DATABASE_URL": database}
    return subprocess.run([sys.executable, "-m", "operations", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120, check=False)


def test_the_command_line_issues_lists_and_revokes(database: str) -> None:
    issued = _cli(database, "apikey", "issue", "xiaochengxu")
    assert issued.returncode == 0, issued.stderr
    key = next(line for line in issued.stdout.splitlines() if line.startswith(apikeys.KEY_PREFIX))
    assert "只显示这一次" in issued.stdout
    with db(database) as session:
        assert apikeys.client_for_key(session, key) == "xiaochengxu"
    again = _cli(database, "apikey", "issue", "xiaochengxu")
    assert again.returncode == 2 and "已有有效密钥" in again.stderr
    listed = _cli(database, "apikey", "list")
    assert listed.returncode == 0 and "xiaochengxu" in listed.stdout and "有效 active" in listed.stdout
    assert key not in listed.stdout
    revoked = _cli(database, "apikey", "revoke", "xiaochengxu")
    assert revoked.returncode == 0 and "已吊销" in revoked.stdout
    assert "吊销 revoked" in _cli(database, "apikey", "list").stdout
    with db(database) as session:
        assert apikeys.client_for_key(session, key) is None
        table = audit.entries(session)
    assert list(table["action"]) == ["apikey_revoked", "apikey_issued"]
    assert set(table["actor"]) == {f"cli:{getpass.getuser()}"}
    nameless = _cli(database, "apikey", "revoke")
    assert nameless.returncode == 2 and "需要客户端名称" in nameless.stderr
