"""Nothing grows without bound: forms expire on a moved clock and the sweeper removes them on both stores, the
process's memory stays flat, and secrets are stored encrypted.

Size: ONCE_EXPIRY_FORMS (default 1,000; the issue's 10,000 for a local run)."""

from __future__ import annotations

import gc
import logging
import os
import sqlite3
from pathlib import Path

import aiohttp
import pytest
from cryptography.fernet import Fernet

from bot.auth.tokens import DevTokenProvider
from bot.blobstore import BlobStorage
from bot.flows import FormFlow
from bot.forms import DAY, FormRecord, FormStore
from bot.sealed import SealedStorage, load_keys
from bot.settings import ConfigError, Settings
from bot.storage import SqliteStorage, StateStore
from bot.teams_edge import SERVICES_KEY
from tests.conftest import BotFactory
from tests.desk import Desk, texts
from tests.fixtures_azurite import Azurite
from tests.fixtures_sandbox import BUSINESS_ID, SandboxHandle
from tests.teams import Connector, TeamsClient

FORMS = int(os.environ.get("ONCE_EXPIRY_FORMS", "1000"))
ROUNDS = 5


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


async def open_and_expire(forms: FormStore, clock: Clock, count: int) -> None:
    for n in range(count):
        record = await forms.create("customer", "owner", {"displayName": f"Customer {n}", "note": "x" * 200})
        if n % 3 == 0:
            record.status, record.result = "done", {"id": str(n)}
            assert await forms.save(record)
    clock.now += 31 * DAY
    await forms.sweep()


async def test_state_size_and_memory_stay_flat_over_many_forms_opened_and_expired(tmp_path: Path) -> None:
    storage = SqliteStorage(tmp_path / "state.db")
    clock = Clock()
    forms = FormStore(storage, clock=clock)
    sizes, memory = [], []
    for _ in range(ROUNDS):
        await open_and_expire(forms, clock, FORMS // ROUNDS)
        gc.collect()
        sizes.append(await storage.size())
        memory.append(rss_bytes())
    await storage.aclose()
    assert [size.records for size in sizes] == [0] * ROUNDS
    assert memory[-1] - memory[1] < 8 * 1024 * 1024, memory  # the first round warms caches and the allocator
    assert not [o for o in gc.get_objects() if isinstance(o, FormRecord)]  # no form outlives its request


async def test_the_sweeper_works_on_the_blob_store_too(azurite: Azurite) -> None:
    storage = await BlobStorage.open(azurite.container(), connection_string=azurite.connection_string)
    clock = Clock()
    forms = FormStore(storage, clock=clock)
    await open_and_expire(forms, clock, 30)
    assert (await storage.size()).records == 0
    await storage.aclose()


async def test_open_forms_expire_after_7_days_and_finished_ones_answer_for_30(
    bot_factory: BotFactory, connector: Connector, http: aiohttp.ClientSession, sandbox: SandboxHandle
) -> None:
    server = await bot_factory(graph_base_url=sandbox.base_url, token_provider=DevTokenProvider(sandbox.key))
    desk = Desk(TeamsClient(bot_url=str(server.make_url("")).rstrip("/"), connector=connector, session=http), sandbox)
    forms = server.app[SERVICES_KEY].forms
    clock = Clock()
    forms.clock = clock
    await desk.say("/customer Ada Lovelace ada@contoso.com")
    desk.fill({"Bookings business": BUSINESS_ID})
    kept = desk.data_for("Create")
    clock.now += 6 * DAY
    done = await desk.execute(*kept)  # six days later: still open, created
    assert "Customer created" in texts(done)
    clock.now += 29 * DAY
    assert "Customer created" in texts(await desk.execute(*kept))  # a late press 29 days on: the confirmation
    await desk.say("/customer Grace Hopper grace@contoso.com")
    stale = desk.data_for("Create")
    clock.now += 2 * DAY  # the first form is 31 days done, the second 2 days open
    await forms.sweep()
    assert "out of date" in texts(await desk.execute(*kept))
    clock.now += 6 * DAY  # the second form, never touched, is 8 days old
    assert "out of date" in texts(await desk.execute(*stale))
    assert not FormFlow._running


# --- secrets at rest ---------------------------------------------------------------------------------------


async def test_secrets_are_stored_encrypted_and_survive_a_key_rotation(tmp_path: Path) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    inner: StateStore = SqliteStorage(tmp_path / "state.db")
    await SealedStorage(inner, [old]).write({"sso/t/u": {"token": "eyJ-secret-refresh-token"}})
    raw = sqlite3.connect(tmp_path / "state.db").execute("SELECT value FROM state").fetchall()
    assert "eyJ-secret" not in str(raw)
    rotated = SealedStorage(inner, [new, old])  # the new key first: it encrypts, the old one still opens
    assert await rotated.read(["sso/t/u"]) == {"sso/t/u": {"token": "eyJ-secret-refresh-token"}}
    await rotated.write({"sso/t/u": {"token": "eyJ-secret-refresh-token"}})
    assert await SealedStorage(inner, [new]).read(["sso/t/u"]) == {"sso/t/u": {"token": "eyJ-secret-refresh-token"}}
    assert await SealedStorage(inner, [old]).read(["sso/t/u"]) == {}  # a retired key opens nothing
    await inner.aclose()


def test_a_key_is_required_outside_dev_mode_and_checked(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        load_keys(Settings(auth_mode="sso", app_id="a", app_password="p"))
    with pytest.raises(ConfigError):
        load_keys(Settings(state_encryption_key="not-a-key"))
    dev = Settings(dev_signing_key=str(tmp_path / "dev-key.pem"))
    assert load_keys(dev) == load_keys(dev)  # dev mode: made once, kept


def test_the_key_is_never_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from bot.auth.logs import install_log_redaction

    key = Fernet.generate_key().decode()
    install_log_redaction([key])
    with caplog.at_level(logging.INFO):
        logging.getLogger("managerdesk.test").info("config key=%s", key)
    assert key not in caplog.text
