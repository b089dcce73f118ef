"""What keeps a turn cheap: dev tokens reused until near expiry, SQLite without an fsync per commit, one fallback."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import jwt
import pytest

from bot.auth.devkey import load_or_create_dev_key
from bot.auth.tokens import REUSE_MARGIN_SECONDS, DevTokenProvider, UserIdentity
from bot.router import Router
from bot.storage import SqliteStorage
from bot.turn import Reply, Turn

ADELE = UserIdentity("6e1a9b1c-2d4f-4e37-9a8b-1c2d3e4f5a61", "9b2f6c1e-4d3a-4f8e-9a57-3c1d2e5f6a70", "Adele")
MEGAN = UserIdentity("c5d0c76b-80c4-481c-be50-923cd8d680a1", "9b2f6c1e-4d3a-4f8e-9a57-3c1d2e5f6a70", "Megan")


async def test_a_dev_token_is_reused_per_user_and_scopes_until_near_expiry(tmp_path: Path) -> None:
    now = [1000.0]
    provider = DevTokenProvider(
        load_or_create_dev_key(tmp_path / "key.pem"), lifetime_seconds=600, clock=lambda: now[0]
    )
    first = await provider.get_token(ADELE, ("Bookings.ReadWrite.All",))
    assert await provider.get_token(ADELE, ("Bookings.ReadWrite.All",)) == first
    other_scopes = await provider.get_token(ADELE, ("Schedule.ReadWrite.All",))
    other_user = await provider.get_token(MEGAN, ("Bookings.ReadWrite.All",))
    assert len({first, other_scopes, other_user}) == 3
    assert jwt.decode(other_user, options={"verify_signature": False})["oid"] == MEGAN.aad_object_id
    now[0] += 600 - REUSE_MARGIN_SECONDS - 1
    assert await provider.get_token(ADELE, ("Bookings.ReadWrite.All",)) == first
    now[0] += 2  # less than the margin left: a new token
    renewed = await provider.get_token(ADELE, ("Bookings.ReadWrite.All",))
    assert renewed != first


def test_state_is_written_in_wal_mode_without_an_fsync_per_commit(tmp_path: Path) -> None:
    storage = SqliteStorage(tmp_path / "state.db")
    try:
        assert storage._db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert storage._db.execute("PRAGMA synchronous").fetchone() == (1,)  # NORMAL
    finally:
        storage.close()
    assert sqlite3.connect(tmp_path / "state.db").execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_router_include_refuses_a_second_fallback() -> None:
    async def answer(turn: Turn, text: str) -> list[Reply]:
        return []

    async def other(turn: Turn, text: str) -> list[Reply]:
        return []

    first, second, root = Router(), Router(), Router()
    first.fallback(answer)
    second.fallback(other)
    root.include(first)
    root.include(first)  # the same one again is harmless
    with pytest.raises(ValueError, match="fallback"):
        root.include(second)
    with pytest.raises(ValueError, match="fallback"):
        root.fallback(other)
