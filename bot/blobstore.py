"""The state store on Azure Blob Storage (STATE_STORE=blob), shared by every instance of the bot.

One blob per key, in one container. Conditional writes are the service's own: a create is an upload with
If-None-Match: * (fails when the blob exists), a replace an upload with If-Match: <ETag read> (412 when
someone wrote meanwhile). The expiry time is blob metadata, read by the sweeper. Async client throughout, on
the SDK's aiohttp transport; no botbuilder-azure (see docs/decisions.md)."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from azure.core import MatchConditions
from azure.core.exceptions import (
    ResourceExistsError,
    ResourceModifiedError,
    ResourceNotFoundError,
)
from azure.storage.blob.aio import BlobServiceClient, ContainerClient

from bot.storage import StoreSize, Versioned, dump

log = logging.getLogger("managerdesk.storage")

EXPIRES = "expiresat"  # metadata key: the record's expiry, seconds since the epoch
PREFIX = "state/"


def blob_name(key: str) -> str:
    """Keys hold ':' '/' and user ids; base64url keeps every blob name valid and one level deep."""
    return PREFIX + base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")


def key_of(name: str) -> str:
    encoded = name.removeprefix(PREFIX)
    return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()


class BlobStorage:
    def __init__(self, container: ContainerClient, closing: tuple[Any, ...] = ()) -> None:
        self._container = container
        self._closing = closing

    @staticmethod
    async def open(
        container: str, *, connection_string: str = "", account_url: str = "", client_id: str = ""
    ) -> BlobStorage:
        """With a connection string (Azurite, or a key), else the account URL and a managed identity."""
        closing: tuple[Any, ...]
        if connection_string:
            service = BlobServiceClient.from_connection_string(connection_string)
            closing = (service,)
        else:
            from azure.identity.aio import ManagedIdentityCredential

            credential = ManagedIdentityCredential(client_id=client_id or None)
            service = BlobServiceClient(account_url, credential=credential)
            closing = (service, credential)
        client = service.get_container_client(container)
        try:
            await client.create_container()
        except ResourceExistsError:
            pass
        return BlobStorage(client, closing)

    # --- botbuilder's Storage shape ----------------------------------------------------------------------
    async def read(self, keys: Iterable[str]) -> dict[str, Any]:
        keys = list(keys)
        found = await asyncio.gather(*(self.get(key) for key in keys))
        return {key: item.value for key, item in zip(keys, found, strict=True) if item is not None}

    async def write(self, changes: Mapping[str, Any]) -> None:
        await asyncio.gather(*(self._upload(key, value, overwrite=True) for key, value in changes.items()))

    async def delete(self, keys: Iterable[str]) -> None:
        await asyncio.gather(*(self._delete(blob_name(key)) for key in keys))

    # --- conditional writes ------------------------------------------------------------------------------
    async def get(self, key: str) -> Versioned | None:
        try:
            stream = await self._container.download_blob(blob_name(key))
            data = await stream.readall()
        except ResourceNotFoundError:
            return None
        return Versioned(json.loads(data), str(stream.properties.etag))

    async def create(self, key: str, value: Mapping[str, Any], *, expires_at: float | None = None) -> str | None:
        try:
            return await self._upload(key, value, overwrite=False, expires_at=expires_at)
        except ResourceExistsError:
            return None

    async def replace(
        self, key: str, value: Mapping[str, Any], etag: str, *, expires_at: float | None = None
    ) -> str | None:
        try:
            return await self._upload(key, value, etag=etag, expires_at=expires_at)
        except (ResourceModifiedError, ResourceNotFoundError):
            return None

    async def sweep(self, now: float) -> int:
        removed = 0
        async for blob in self._container.list_blobs(name_starts_with=PREFIX, include=["metadata"]):
            expires = (blob.metadata or {}).get(EXPIRES)
            if expires and float(expires) < now and await self._delete(blob.name, etag=blob.etag):
                removed += 1
        return removed

    async def size(self) -> StoreSize:
        count = total = 0
        async for blob in self._container.list_blobs(name_starts_with=PREFIX):
            count += 1
            total += int(blob.size or 0)
        return StoreSize(count, total)

    async def aclose(self) -> None:
        for client in self._closing:
            await client.close()

    # --- the calls ---------------------------------------------------------------------------------------
    async def _upload(
        self,
        key: str,
        value: Any,
        *,
        overwrite: bool = True,
        etag: str | None = None,
        expires_at: float | None = None,
    ) -> str:
        conditions: dict[str, Any] = {"etag": etag, "match_condition": MatchConditions.IfNotModified} if etag else {}
        metadata = {EXPIRES: f"{expires_at:.0f}"} if expires_at is not None else {}
        blob = self._container.get_blob_client(blob_name(key))
        result = await blob.upload_blob(dump(value).encode(), overwrite=overwrite, metadata=metadata, **conditions)
        return str(result["etag"])

    async def _delete(self, name: str, etag: str | None = None) -> bool:
        conditions: dict[str, Any] = {"etag": etag, "match_condition": MatchConditions.IfNotModified} if etag else {}
        try:
            await self._container.delete_blob(name, **conditions)
        except (ResourceNotFoundError, ResourceModifiedError):
            return False
        return True
