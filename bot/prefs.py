"""What the bot remembers of each manager between forms: the last team and the last Bookings business used.

Kept in the shared state store (not in process memory), so that every instance of the bot knows it. The last
write wins: these are conveniences that preselect a choice, never a fact the bot relies on."""

from __future__ import annotations

from typing import Any, Protocol


class KeyValueStore(Protocol):
    async def read(self, keys: Any) -> dict[str, Any]: ...

    async def write(self, changes: Any) -> None: ...


class Preferences:
    def __init__(self, storage: KeyValueStore) -> None:
        self._storage = storage

    async def get(self, user_id: str, name: str) -> str:
        key = _key(user_id)
        found = (await self._storage.read([key])).get(key) or {}
        value = found.get(name) if isinstance(found, dict) else None
        return value if isinstance(value, str) else ""

    async def remember(self, user_id: str, **values: str) -> None:
        key = _key(user_id)
        found = (await self._storage.read([key])).get(key)
        await self._storage.write({key: {**(found if isinstance(found, dict) else {}), **values}})


def _key(user_id: str) -> str:
    return f"prefs:{user_id}"
