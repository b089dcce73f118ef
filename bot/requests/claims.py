""" "Once" for the requests feature: a decision, a digest, a notice is claimed by a conditional write before it
is made, so a double press or a second bot instance does nothing. Also the list of managers the alerts serve.

Interim: a create-if-absent (or if-expired) row in the bot's state database, shared by every instance that uses
the same STATE_DB. This is the one place to switch to the shared store's conditional-write API (issue 11)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS claims (key TEXT PRIMARY KEY, holder TEXT NOT NULL, expires REAL);
CREATE TABLE IF NOT EXISTS alert_managers (oid TEXT PRIMARY KEY, data TEXT NOT NULL);
"""


class Claims:
    def __init__(self, path: str | Path) -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, timeout=10, isolation_level=None)
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(_SCHEMA)

    async def claim(self, key: str, holder: str, ttl_seconds: float | None = None, now: float | None = None) -> bool:
        """True for the one caller that takes `key` (absent, or its lease expired); False for every other."""
        return await asyncio.to_thread(self._claim, key, holder, ttl_seconds, time.time() if now is None else now)

    async def release(self, key: str, holder: str) -> None:
        """Gives a claim back (the action failed and may be tried again)."""
        await asyncio.to_thread(self._release, key, holder)

    # --- the managers the alerts serve (one row each, so every instance sees the same list) ---------------
    async def save_manager(self, oid: str, data: dict[str, Any]) -> None:
        sql = "INSERT INTO alert_managers VALUES (?, ?) ON CONFLICT(oid) DO UPDATE SET data = excluded.data"
        await asyncio.to_thread(self._execute, sql, (oid.lower(), json.dumps(data)))

    async def manager(self, oid: str) -> dict[str, Any] | None:
        rows = await asyncio.to_thread(self._rows, "SELECT data FROM alert_managers WHERE oid = ?", (oid.lower(),))
        return json.loads(rows[0][0]) if rows else None

    async def managers(self) -> list[dict[str, Any]]:
        rows = await asyncio.to_thread(self._rows, "SELECT data FROM alert_managers ORDER BY oid", ())
        return [json.loads(data) for (data,) in rows]

    async def forget_manager(self, oid: str) -> None:
        await asyncio.to_thread(self._execute, "DELETE FROM alert_managers WHERE oid = ?", (oid.lower(),))

    def _execute(self, sql: str, params: tuple[Any, ...]) -> None:
        with self._lock:
            self._db.execute(sql, params)

    def _rows(self, sql: str, params: tuple[Any, ...]) -> list[Any]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _claim(self, key: str, holder: str, ttl: float | None, now: float) -> bool:
        expires = None if ttl is None else now + ttl
        with self._lock:
            cursor = self._db.execute(
                "INSERT INTO claims (key, holder, expires) VALUES (?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET holder = excluded.holder, expires = excluded.expires "
                "WHERE claims.expires IS NOT NULL AND claims.expires <= ?",
                (key, holder, expires, now),
            )
            return cursor.rowcount == 1

    def _release(self, key: str, holder: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM claims WHERE key = ? AND holder = ?", (key, holder))
