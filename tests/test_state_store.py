"""The state store's two shapes on both back ends: SQLite, and Azure Blob Storage against Azurite."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.blobstore import BlobStorage, blob_name, key_of
from bot.storage import SqliteStorage, StateStore
from tests.fixtures_azurite import Azurite


@pytest.fixture(params=["sqlite", "blob"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[StateStore]:
    if request.param == "sqlite":
        opened: StateStore = SqliteStorage(tmp_path / "state.db")
    else:
        azurite: Azurite = request.getfixturevalue("azurite")
        opened = await BlobStorage.open(azurite.container(), connection_string=azurite.connection_string)
    yield opened
    await opened.aclose()


async def test_storage_shape_reads_writes_and_deletes(store: StateStore) -> None:
    await store.write({"a": {"x": 1}, "sso/t/u": {"token": "v"}})
    assert await store.read(["a", "sso/t/u", "missing"]) == {"a": {"x": 1}, "sso/t/u": {"token": "v"}}
    await store.delete(["a", "missing"])
    assert await store.read(["a"]) == {}


async def test_create_is_first_writer_only(store: StateStore) -> None:
    etag = await store.create("form:1", {"n": 1})
    assert etag
    assert await store.create("form:1", {"n": 2}) is None
    found = await store.get("form:1")
    assert found is not None and found.value == {"n": 1} and found.etag == etag


async def test_replace_needs_the_etag_read(store: StateStore) -> None:
    first = await store.create("form:2", {"n": 1})
    assert first
    second = await store.replace("form:2", {"n": 2}, first)
    assert second and second != first
    assert await store.replace("form:2", {"n": 3}, first) is None  # 412: someone wrote since
    found = await store.get("form:2")
    assert found is not None and found.value == {"n": 2}
    assert await store.replace("gone", {"n": 1}, first) is None


async def test_concurrent_creates_and_replaces_have_one_winner(store: StateStore) -> None:
    created = await asyncio.gather(*(store.create("claim", {"by": i}) for i in range(8)))
    assert sum(1 for etag in created if etag) == 1
    found = await store.get("claim")
    assert found is not None
    replaced = await asyncio.gather(*(store.replace("claim", {"by": i}, found.etag) for i in range(8)))
    assert sum(1 for etag in replaced if etag) == 1


async def test_sweep_removes_only_expired_records(store: StateStore) -> None:
    await store.create("old", {"v": 1}, expires_at=1_000.0)
    await store.create("new", {"v": 1}, expires_at=3_000.0)
    await store.write({"forever": {"v": 1}})
    assert await store.sweep(2_000.0) == 1
    assert set(await store.read(["old", "new", "forever"])) == {"new", "forever"}
    size = await store.size()
    assert size.records == 2 and size.bytes > 0


def test_blob_names_are_reversible_and_flat() -> None:
    for key in ("form:abc", "sso/9b2f/6e1a", "x" * 300, "é/ü:\u2603"):
        name = blob_name(key)
        assert key_of(name) == key and name.count("/") == 1
