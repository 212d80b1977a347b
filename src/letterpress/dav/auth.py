"""HTTP Basic authentication with app passwords, and a short-lived cache of verified ones.

argon2 costs tens of milliseconds by design, and a DAV client sends its password with every
request, so a verified (login, password) pair is remembered in memory for
``dav.auth_cache_seconds``, keyed by HMAC-SHA256 under a secret made at process start (the
password itself is never kept). Revocation still takes effect at once: a cache hit is checked
against the database row (one primary-key read). Failures are remembered too, for a shorter
time, so a phone stuck on an old password does not keep the CPU busy.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import threading
import time

from sqlalchemy.orm import Session

from letterpress.crm.apppasswords import Verified, still_valid, verify_app_password
from letterpress.crm.model import User

MAX_ENTRIES = 10_000


class CredentialCache:
    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._secret = os.urandom(32)
        self._lock = threading.Lock()
        self._entries: dict[bytes, tuple[Verified | None, float]] = {}

    def key(self, login: str, password: str) -> bytes:
        message = login.encode("utf-8") + b"\x00" + password.encode("utf-8")
        return hmac.new(self._secret, message, hashlib.sha256).digest()

    def get(self, key: bytes) -> tuple[bool, Verified | None]:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return False, None
            if entry[1] < time.monotonic():
                del self._entries[key]
                return False, None
            return True, entry[0]

    def put(self, key: bytes, value: Verified | None) -> None:
        ttl = self.ttl if value is not None else min(self.ttl, 10.0)
        if ttl <= 0:
            return
        now = time.monotonic()
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries = {k: v for k, v in self._entries.items() if v[1] >= now}
                if len(self._entries) >= MAX_ENTRIES:
                    self._entries.clear()
            self._entries[key] = (value, now + ttl)

    def forget(self, key: bytes) -> None:
        with self._lock:
            self._entries.pop(key, None)


def parse_basic(header: str | None) -> tuple[str, str] | None:
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        raw = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    login, sep, password = text.partition(":")
    if not sep:
        return None
    return login.strip().lower(), password


def authenticate(session: Session, cache: CredentialCache, header: str | None) -> User | None:
    creds = parse_basic(header)
    if creds is None:
        return None
    login, password = creds
    key = cache.key(login, password)
    hit, verified = cache.get(key)
    if not hit:
        verified = verify_app_password(session, login, password)
        cache.put(key, verified)
    if verified is None:
        return None
    user = still_valid(session, verified)
    if user is None:
        cache.forget(key)
    return user
