"""API keys of Open311 clients (a mini-program back end, a FixMyStreet instance): issue, revoke, list, check.

A key is random and shown once, when it is issued; the store keeps only its
SHA-256 hash, so the database alone lets nobody post.  One client name has at
most one key; issuing again for a revoked client replaces its key.  Every issue
and revoke is one audit entry.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from operations import audit
from operations.models import ApiKey, utcnow

__all__ = ["ApiKeyError", "KEY_PREFIX", "client_for_key", "hash_key", "issue", "list_keys", "revoke"]

KEY_PREFIX = "qx311_"  # tells a key apart from other secrets in a config file or a leak scan
_CLIENT = re.compile(r"^[A-Za-z0-9\u4e00-\u9fff][A-Za-z0-9_.\-\u4e00-\u9fff]{0,63}$")


class ApiKeyError(ValueError):
    """A key change that cannot be made (unknown client, a key already in force …); the message says why."""


def hash_key(key: str) -> str:
    """The stored form of ``key``: its SHA-256, in hex."""
    return hashlib.sha256(key.strip().encode()).hexdigest()


def _client(db: Session, client: str) -> ApiKey | None:
    return db.scalar(select(ApiKey).where(ApiKey.client == client))


def issue(db: Session, client: str, *, actor: str = "cli", address: str = "") -> str:
    """Create a key for ``client`` and return it (shown once: only its hash is kept).

    A client whose key was revoked gets a new one; a client with a key in force must be revoked first.
    """
    client = (client or "").strip()
    if not _CLIENT.match(client):
        msg = (f"客户端名称 {client!r} 不可用：1–64 个字母、数字、汉字、_ . -（如 xiaochengxu） / "
               "a client name is 1–64 letters, digits, _ . -")
        raise ApiKeyError(msg)
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    found = _client(db, client)
    if found is not None and found.revoked_at is None:
        msg = f"客户端 {client} 已有有效密钥，请先吊销：apikey revoke {client} / {client} already has a key"
        raise ApiKeyError(msg)
    if found is None:
        db.add(ApiKey(client=client, key_hash=hash_key(key), created_at=utcnow()))
        detail = "new client"
    else:
        found.key_hash, found.created_at, found.revoked_at = hash_key(key), utcnow(), None
        detail = "new key for a revoked client"
    db.flush()
    audit.record(db, "apikey_issued", actor=actor, target=client, detail=detail, address=address)
    return key


def revoke(db: Session, client: str, *, actor: str = "cli", address: str = "") -> None:
    """Stop ``client``'s key at once (its next request is refused with 403)."""
    found = _client(db, (client or "").strip())
    if found is None:
        msg = f"没有客户端 {client} / no such client"
        raise ApiKeyError(msg)
    if found.revoked_at is not None:
        msg = f"客户端 {client} 的密钥已吊销 / already revoked"
        raise ApiKeyError(msg)
    found.revoked_at = utcnow()
    db.flush()
    audit.record(db, "apikey_revoked", actor=actor, target=found.client, address=address)


def list_keys(db: Session) -> list[ApiKey]:
    """Every client with its key's dates (never the key), by name."""
    return list(db.scalars(select(ApiKey).order_by(ApiKey.client)))


def client_for_key(db: Session, key: str | None) -> str | None:
    """The client name of a key in force, or None for no key, an unknown key or a revoked one."""
    if not key or not key.strip():
        return None
    found = db.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(key)))
    if found is None or found.revoked_at is not None:
        return None
    return found.client
