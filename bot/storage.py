"""Durable key-value state shared by every instance of the bot (forms, submission claims, token caches).

Two shapes over one store:
- botbuilder's `Storage` shape (async read/write/delete of dicts, last writer wins), which the Teams edge
  registers as a `Storage`, for state nobody races on (sign-in records, MSAL caches);
- conditional writes, what makes "once" true across instances: `create` succeeds only when the key is
  absent, `replace` only when the ETag read is still current. A `None` answer means someone else wrote
  first: re-read and decide again.

Every record may carry an expiry time; `sweep` deletes the expired ones. `SqliteStorage` (STATE_STORE=sqlite)
is the default for one instance; `bot.blobstore.BlobStorage` (STATE_STORE=blob) is for many. Neither imports
the Bot Framework SDK. SQLite calls run on the storage thread pool, so the loop never waits on the disk."""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from bot.executors import run_blocking

if TYPE_CHECKING:
    from bot.settings import Settings


@dataclass(frozen=True)
class Versioned:
    value: dict[str, Any]
    etag: str


@dataclass(frozen=True)
class StoreSize:
    records: int
    bytes: int


class StateStore(Protocol):
    async def read(self, keys: Iterable[str]) -> dict[str, Any]: ...

    async def write(self, changes: Mapping[str, Any]) -> None: ...

    async def delete(self, keys: Iterable[str]) -> None: ...

    async def get(self, key: str) -> Versioned | None: ...

    async def create(self, key: str, value: Mapping[str, Any], *, expires_at: float | None = None) -> str | None:
        """Writes `value` only if `key` is absent; its ETag, or None when the key exists."""
        ...

    async def replace(
        self, key: str, value: Mapping[str, Any], etag: str, *, expires_at: float | None = None
    ) -> str | None:
        """Writes `value` only if `key` still has `etag`; the new ETag, or None (412: re-read, decide again)."""
        ...

    async def sweep(self, now: float) -> int:
        """Deletes the records whose expiry time has passed; how many."""
        ...

    async def size(self) -> StoreSize: ...

    async def aclose(self) -> None: ...


def new_etag() -> str:
    return uuid.uuid4().hex


def dump(value: Any) -> str:
    return json.dumps(plain(value), separators=(",", ":"))


class SqliteStorage:
    def __init__(self, path: str | Path) -> None:
        self._path = Path(path)
        if str(path) != ":memory:":
            self._path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        # Several processes may share the file (tests, `make run` restarts): wait for their writes.
        self._db = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")  # WAL: durable at checkpoints, no fsync per commit
            self._db.execute("CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(state)")}
            if "etag" not in columns:  # a state file from before conditional writes
                self._db.execute("ALTER TABLE state ADD COLUMN etag TEXT NOT NULL DEFAULT ''")
            if "expires_at" not in columns:
                self._db.execute("ALTER TABLE state ADD COLUMN expires_at REAL")
            self._db.execute("CREATE INDEX IF NOT EXISTS state_expiry ON state (expires_at)")
            self._db.commit()

    # --- botbuilder's Storage shape ----------------------------------------------------------------------
    async def read(self, keys: Iterable[str]) -> dict[str, Any]:
        return await run_blocking("storage", self._read, list(keys))

    async def write(self, changes: Mapping[str, Any]) -> None:
        await run_blocking("storage", self._write, {key: dump(value) for key, value in changes.items()})

    async def delete(self, keys: Iterable[str]) -> None:
        await run_blocking("storage", self._delete, list(keys))

    # --- conditional writes ------------------------------------------------------------------------------
    async def get(self, key: str) -> Versioned | None:
        return await run_blocking("storage", self._get, key)

    async def create(self, key: str, value: Mapping[str, Any], *, expires_at: float | None = None) -> str | None:
        return await run_blocking("storage", self._create, key, dump(value), expires_at)

    async def replace(
        self, key: str, value: Mapping[str, Any], etag: str, *, expires_at: float | None = None
    ) -> str | None:
        return await run_blocking("storage", self._replace, key, dump(value), etag, expires_at)

    async def sweep(self, now: float) -> int:
        return await run_blocking("storage", self._sweep, now)

    async def size(self) -> StoreSize:
        return await run_blocking("storage", self._size)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    async def aclose(self) -> None:
        self.close()

    # --- on the storage thread ---------------------------------------------------------------------------
    def _read(self, keys: list[str]) -> dict[str, Any]:
        if not keys:
            return {}
        marks = ",".join("?" * len(keys))
        with self._lock:
            rows = self._db.execute(f"SELECT key, value FROM state WHERE key IN ({marks})", keys).fetchall()
        return {key: json.loads(value) for key, value in rows}

    def _write(self, changes: dict[str, str]) -> None:
        rows = [(key, value, new_etag()) for key, value in changes.items()]
        with self._lock:
            self._db.executemany(
                "INSERT INTO state (key, value, etag) VALUES (?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value=excluded.value, etag=excluded.etag",
                rows,
            )
            self._db.commit()

    def _delete(self, keys: list[str]) -> None:
        with self._lock:
            self._db.executemany("DELETE FROM state WHERE key = ?", [(k,) for k in keys])
            self._db.commit()

    def _get(self, key: str) -> Versioned | None:
        with self._lock:
            row = self._db.execute("SELECT value, etag FROM state WHERE key = ?", (key,)).fetchone()
        return None if row is None else Versioned(json.loads(row[0]), row[1])

    def _create(self, key: str, value: str, expires_at: float | None) -> str | None:
        etag = new_etag()
        with self._lock:
            cursor = self._db.execute(
                "INSERT INTO state (key, value, etag, expires_at) VALUES (?, ?, ?, ?) ON CONFLICT(key) DO NOTHING",
                (key, value, etag, expires_at),
            )
            self._db.commit()
        return etag if cursor.rowcount == 1 else None

    def _replace(self, key: str, value: str, etag: str, expires_at: float | None) -> str | None:
        new = new_etag()
        with self._lock:
            cursor = self._db.execute(
                "UPDATE state SET value = ?, etag = ?, expires_at = ? WHERE key = ? AND etag = ?",
                (value, new, expires_at, key, etag),
            )
            self._db.commit()
        return new if cursor.rowcount == 1 else None

    def _sweep(self, now: float) -> int:
        with self._lock:
            cursor = self._db.execute("DELETE FROM state WHERE expires_at IS NOT NULL AND expires_at < ?", (now,))
            self._db.commit()
        return cursor.rowcount

    def _size(self) -> StoreSize:
        with self._lock:
            count, total = self._db.execute("SELECT COUNT(*), COALESCE(SUM(LENGTH(value)), 0) FROM state").fetchone()
        return StoreSize(int(count), int(total))


def plain(value: Any) -> Any:
    # botbuilder's state classes hand over objects with __dict__ (StoreItem); keep them as plain JSON.
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if hasattr(value, "__dict__") and not isinstance(value, type):
        return {k: plain(v) for k, v in vars(value).items() if not k.startswith("_")}
    return value


async def open_store(settings: Settings) -> StateStore:
    """The store STATE_STORE names."""
    if settings.state_store == "blob":
        from bot.blobstore import BlobStorage

        return await BlobStorage.open(
            settings.state_container,
            connection_string=settings.azure_storage_connection_string,
            account_url=settings.azure_storage_account_url,
            client_id=settings.azure_client_id,
        )
    return SqliteStorage(settings.state_db)
