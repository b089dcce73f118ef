""" "Once" for the requests feature, on the shared state store's conditional writes (bot.storage.StateStore):
a decision, a booking, a digest, a notice or a poll is claimed with a create-if-absent (or a replace-if-ETag of
an expired lease) before it is done, so a double press or a second bot instance does nothing. Also the list of
managers the alerts serve, kept with the same conditional writes so that instances never lose each other's."""

from __future__ import annotations

import time
from typing import Any

from bot.storage import StateStore

CLAIM_PREFIX = "requests-claim:"
MANAGER_PREFIX = "alerts-manager:"
INDEX_KEY = "alerts-managers"
FOREVER_DAYS = 400  # claims without a lease are kept this long (then swept): a year of "already done"
MAX_RACES = 20  # conditional-write retries before giving up (another instance keeps winning)


class Claims:
    def __init__(self, store: StateStore) -> None:
        self._store = store

    async def claim(self, key: str, holder: str, ttl_seconds: float | None = None, now: float | None = None) -> bool:
        """True for the one caller that takes `key` (absent, or its lease expired); False for every other."""
        now = time.time() if now is None else now
        expires = now + ttl_seconds if ttl_seconds is not None else None
        record = {"holder": holder, "expires": expires}
        kept_until = expires if expires is not None else now + FOREVER_DAYS * 86400
        for _ in range(MAX_RACES):
            if await self._store.create(CLAIM_PREFIX + key, record, expires_at=kept_until) is not None:
                return True
            found = await self._store.get(CLAIM_PREFIX + key)
            if found is None:
                continue  # released meanwhile: try to create it again
            lease_end = found.value.get("expires")
            if not isinstance(lease_end, (int, float)) or lease_end > now:
                return False
            taken = await self._store.replace(CLAIM_PREFIX + key, record, found.etag, expires_at=kept_until)
            return taken is not None
        return False

    async def release(self, key: str, holder: str) -> None:
        """Gives a claim back (the action failed and may be tried again)."""
        found = await self._store.get(CLAIM_PREFIX + key)
        if found is not None and found.value.get("holder") == holder:
            await self._store.delete([CLAIM_PREFIX + key])

    # --- the managers the alerts serve -----------------------------------------------------------------------
    async def save_manager(self, oid: str, data: dict[str, Any]) -> None:
        await self._store.write({MANAGER_PREFIX + oid.lower(): data})
        await self._change_index(oid.lower(), add=True)

    async def manager(self, oid: str) -> dict[str, Any] | None:
        found = (await self._store.read([MANAGER_PREFIX + oid.lower()])).get(MANAGER_PREFIX + oid.lower())
        return found if isinstance(found, dict) else None

    async def managers(self) -> list[dict[str, Any]]:
        index = await self._store.get(INDEX_KEY)
        oids = sorted(index.value.get("oids") or []) if index else []
        found = await self._store.read([MANAGER_PREFIX + oid for oid in oids])
        return [found[MANAGER_PREFIX + oid] for oid in oids if isinstance(found.get(MANAGER_PREFIX + oid), dict)]

    async def forget_manager(self, oid: str) -> None:
        await self._change_index(oid.lower(), add=False)
        await self._store.delete([MANAGER_PREFIX + oid.lower()])

    async def _change_index(self, oid: str, *, add: bool) -> None:
        for _ in range(MAX_RACES):
            index = await self._store.get(INDEX_KEY)
            oids = set(index.value.get("oids") or []) if index else set()
            if (oid in oids) == add:
                return
            changed = {"oids": sorted(oids | {oid} if add else oids - {oid})}
            if index is None:
                written = await self._store.create(INDEX_KEY, changed)
            else:
                written = await self._store.replace(INDEX_KEY, changed, index.etag)
            if written is not None:
                return
        raise RuntimeError("the alerts' manager index kept changing under us")
