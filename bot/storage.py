"""Durable key-value state for the bot (open forms, submission records, token caches).

`SqliteStorage` has the same shape as botbuilder's `Storage` (async read/write/delete of dicts), and the
Teams edge registers it as one, but it imports nothing from the SDK. SQLite calls run in a worker thread so
the event loop never blocks on the disk."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any


class SqliteStorage:
    def __init__(self, path: str | Path) -> None:
        self._path = Path(path)
        if str(path) != ":memory:":
            self._path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False)
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")  # WAL: durable at checkpoints, no fsync per commit
            self._db.execute("CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            self._db.commit()

    async def read(self, keys: Iterable[str]) -> dict[str, Any]:
        keys = list(keys)
        return await asyncio.to_thread(self._read, keys)

    async def write(self, changes: Mapping[str, Any]) -> None:
        await asyncio.to_thread(self._write, dict(changes))

    async def delete(self, keys: Iterable[str]) -> None:
        keys = list(keys)
        await asyncio.to_thread(self._delete, keys)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _read(self, keys: list[str]) -> dict[str, Any]:
        if not keys:
            return {}
        marks = ",".join("?" * len(keys))
        with self._lock:
            rows = self._db.execute(f"SELECT key, value FROM state WHERE key IN ({marks})", keys).fetchall()
        return {key: json.loads(value) for key, value in rows}

    def _write(self, changes: dict[str, Any]) -> None:
        rows = [(key, json.dumps(_plain(value))) for key, value in changes.items()]
        with self._lock:
            self._db.executemany(
                "INSERT INTO state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                rows,
            )
            self._db.commit()

    def _delete(self, keys: list[str]) -> None:
        with self._lock:
            self._db.executemany("DELETE FROM state WHERE key = ?", [(k,) for k in keys])
            self._db.commit()


def _plain(value: Any) -> Any:
    # botbuilder's state classes hand over objects with __dict__ (StoreItem); keep them as plain JSON.
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "__dict__") and not isinstance(value, type):
        return {k: _plain(v) for k, v in vars(value).items() if not k.startswith("_")}
    return value
