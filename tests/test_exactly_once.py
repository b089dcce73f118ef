"""Exactly once, as a manager and an admin would check it: slow Graph, presses during a create, several bot
instances on one Azurite container, an instance killed mid-create, and injected faults over many creates.

Sizes are small by default (the suite's budget); the issue's full sizes, for a local run:
    ONCE_TRIO_FORMS=50 ONCE_STRESS_CREATES=300 .venv/bin/python -m pytest -q tests/test_exactly_once.py
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from cryptography.hazmat.primitives import serialization

from bot.auth.tokens import DevTokenProvider
from bot.flows import FormFlow
from bot.teams_edge import SERVICES_KEY
from tests.conftest import BotFactory
from tests.desk import Desk, start_desk, texts
from tests.fixtures_azurite import Azurite
from tests.fixtures_sandbox import BUSINESS_ID, MEGAN_OID, SEED_GROUP_ID, TEAM_ID, SandboxHandle
from tests.teams import Connector, TeamsClient

ROOT = Path(__file__).resolve().parent.parent
POST_CUSTOMERS = "^POST /beta/solutions/bookingBusinesses/[^/]+/customers$"
POST_SHIFTS = "^POST /beta/teams/[^/]+/schedule/shifts$"
TRIO_FORMS = int(os.environ.get("ONCE_TRIO_FORMS", "6"))
STRESS_CREATES = int(os.environ.get("ONCE_STRESS_CREATES", "8"))
CUSTOMER_DONE, SHIFT_DONE = "Customer created", "Shift published"


async def open_customer(desk: Desk, email: str) -> None:
    await desk.say(f"/customer Test Customer {email}")
    desk.fill({"Bookings business": BUSINESS_ID})


def day_of(n: int) -> str:
    """A day of its own for the n-th shift: Megan's shifts never overlap (the form would ask about it)."""
    return (date(2031, 1, 1) + timedelta(days=n)).isoformat()


async def open_shift(desk: Desk, label: str, day: str = "2030-12-02") -> None:
    await desk.say("/shift")
    desk.fill({"Team member": MEGAN_OID, "Scheduling group": SEED_GROUP_ID, "Date": day})
    desk.fill({"Start time": "09:00", "End time": "17:00", "Label": label})


async def customers_by_email(sandbox: SandboxHandle) -> Counter[str]:
    reply = await sandbox.call(
        "GET", f"/solutions/bookingBusinesses/{BUSINESS_ID.replace('@', '%40')}/customers?$top=999"
    )
    return Counter(str(c["emailAddress"]) for c in reply.body["value"])


async def shifts_by_label(sandbox: SandboxHandle) -> Counter[str]:
    reply = await sandbox.call("GET", f"/teams/{TEAM_ID}/schedule/shifts?$top=999")
    return Counter(
        str((s.get("sharedShift") or s.get("draftShift") or {}).get("displayName")) for s in reply.body["value"]
    )


async def press_until_done(desk: Desk, title: str, done: str, *, pause: float = 0.3, limit: int = 60) -> int:
    """Presses like an impatient manager until the card shows `done`; how many presses it took."""
    verb, data = desk.data_for(title)
    for presses in range(1, limit + 1):
        body = await desk.teams.execute(verb, data)
        if done in texts(body["value"]):
            return presses
        await asyncio.sleep(pause)
    raise AssertionError(f"never done after {limit} presses: {texts(body['value'])[:300]}")


@pytest.fixture
async def desk(
    bot_factory: BotFactory, connector: Connector, http: aiohttp.ClientSession, sandbox: SandboxHandle
) -> Desk:
    return await start_desk(Desk, bot_factory, connector, http, sandbox)


def blob_settings(azurite: Azurite, container: str) -> dict[str, Any]:
    return {
        "state_store": "blob",
        "azure_storage_connection_string": azurite.connection_string,
        "state_container": container,
    }


# --- slow Graph ----------------------------------------------------------------------------------------------


async def test_graph_answering_after_6s_gives_one_object_and_the_card_ends_confirmed(desk: Desk) -> None:
    """Presses at 1 s and 12 s after the first: one customer and one shift, each card updated to its confirmation."""
    customer, shift = desk, Desk(desk.teams, desk.sandbox)
    await open_customer(customer, "slow@contoso.com")
    await open_shift(shift, "slow shift")
    await desk.sandbox.inject(delay=6, match=POST_CUSTOMERS)
    await desk.sandbox.inject(delay=6, match=POST_SHIFTS)

    async def scenario(form: Desk, title: str, card_id: str, done: str) -> None:
        verb, data = form.data_for(title)
        first = asyncio.create_task(form.teams.execute(verb, data, card_activity_id=card_id))
        await asyncio.sleep(1)
        second = await form.teams.execute(verb, data, card_activity_id=card_id)
        assert "Still creating" in texts(second["value"])
        answered = await first
        assert "Creating…" in texts(answered["value"])  # Teams got its answer within 5 s
        await asyncio.sleep(11)
        third = await form.teams.execute(verb, data, card_activity_id=card_id)
        assert done in texts(third["value"])
        [update] = [u for u in form.teams.connector.updates() if u.path.endswith(f"/activities/{card_id}")]
        assert done in texts(update.body)  # the card was updated in place when Graph answered

    await asyncio.gather(
        scenario(customer, "Create", "card-customer", CUSTOMER_DONE),
        scenario(shift, "Create shift", "card-shift", SHIFT_DONE),
    )
    assert (await customers_by_email(desk.sandbox))["slow@contoso.com"] == 1
    assert (await shifts_by_label(desk.sandbox))["slow shift"] == 1


# --- answers lost after the write --------------------------------------------------------------------------


@pytest.mark.parametrize("fault", [{"status": 503}, {"status": 504}, {"delay": 2.0}], ids=["503", "504", "timeout"])
async def test_a_create_whose_answer_is_lost_is_found_not_sent_again(
    bot_factory: BotFactory,
    connector: Connector,
    http: aiohttp.ClientSession,
    sandbox: SandboxHandle,
    fault: dict[str, Any],
) -> None:
    form = await start_desk(Desk, bot_factory, connector, http, sandbox, create_wait_seconds=1.0)
    await open_shift(form, "lost answer")
    await sandbox.inject(after=True, match=POST_SHIFTS, **fault)
    card = await form.press("Create shift")
    assert "may or may not have been created" in texts(card)
    assert "Shift published" in texts(await form.press("Create shift"))
    assert (await shifts_by_label(sandbox))["lost answer"] == 1
    posts = [r for r in await sandbox.requests() if r["method"] == "POST"]
    assert len(posts) == 1  # looked, found, adopted: never sent twice


async def test_nothing_found_too_soon_after_an_unknown_outcome_sends_nothing(
    bot_factory: BotFactory, connector: Connector, http: aiohttp.ClientSession, sandbox: SandboxHandle
) -> None:
    """A write may still land after the client gave up: finding nothing right away is no proof."""
    form = await start_desk(
        Desk, bot_factory, connector, http, sandbox, create_wait_seconds=1.0, unknown_settle_seconds=2.5
    )
    await open_customer(form, "late@contoso.com")
    await sandbox.inject(delay=1.8, match=POST_CUSTOMERS)  # Graph writes after the bot stopped waiting
    assert "may or may not have been created" in texts(await form.press("Create"))
    assert "may or may not have been created" in texts(await form.press("Create"))  # found nothing yet: no POST
    await asyncio.sleep(2.0)
    assert CUSTOMER_DONE in texts(await form.press("Create"))
    assert (await customers_by_email(sandbox))["late@contoso.com"] == 1


async def test_the_settle_time_restarts_with_every_write_given_up_on(
    bot_factory: BotFactory, connector: Connector, http: aiohttp.ClientSession, sandbox: SandboxHandle
) -> None:
    form = await start_desk(
        Desk, bot_factory, connector, http, sandbox, create_wait_seconds=1.0, unknown_settle_seconds=1.0
    )
    await open_shift(form, "settle again")
    await sandbox.inject(status=503, match=POST_SHIFTS)  # refused: nothing written, but the bot cannot know
    assert "may or may not have been created" in texts(await form.press("Create shift"))
    await asyncio.sleep(1.1)
    await sandbox.inject(delay=1.8, match=POST_SHIFTS)  # the second POST is written late
    assert "may or may not have been created" in texts(await form.press("Create shift"))
    assert "may or may not have been created" in texts(await form.press("Create shift"))  # not yet: no POST
    await asyncio.sleep(2.0)
    assert SHIFT_DONE in texts(await form.press("Create shift"))
    assert (await shifts_by_label(sandbox))["settle again"] == 1


async def test_the_same_invoke_resent_is_answered_from_the_first_outcome(desk: Desk) -> None:
    await open_customer(desk, "resent@contoso.com")
    await desk.sandbox.inject(status=429, count=3, retryAfter=0, match=POST_CUSTOMERS)
    verb, data = desk.data_for("Create")
    activity = desk.teams.base_activity(
        "invoke", name="adaptiveCard/action", value={"action": {"type": "Action.Execute", "verb": verb, "data": data}}
    )
    answers = []
    for _ in range(2):  # Teams re-sends the very same activity (same id)
        response = await desk.teams.session.post(f"{desk.teams.bot_url}/api/messages", json=activity)
        answers.append(await response.json())
    assert answers[0] == answers[1] and "busy right now" in texts(answers[0]["value"])
    assert len([r for r in await desk.sandbox.requests() if r["method"] == "POST"]) == 3  # one press's retries
    assert CUSTOMER_DONE in texts(await desk.press("Create"))  # a new press does go through


@pytest.mark.parametrize("verb_title", ["Add address", "Add phone", "Create", "Cancel"])
async def test_a_cancelled_form_stays_cancelled_for_every_verb(desk: Desk, verb_title: str) -> None:
    await open_customer(desk, "cancel@contoso.com")
    kept = {title: desk.data_for(title) for title in ("Add address", "Add phone", "Create", "Cancel")}
    assert "Cancelled" in texts(await desk.press("Cancel"))
    body = await desk.teams.execute(*kept[verb_title])
    assert "Cancelled. Nothing was created." in texts(body["value"])
    assert (await customers_by_email(desk.sandbox))["cancel@contoso.com"] == 0


@pytest.mark.parametrize("verb_title", ["Add break", "Create shift", "Cancel"])
async def test_a_cancelled_shift_form_stays_cancelled_for_every_verb(desk: Desk, verb_title: str) -> None:
    await open_shift(desk, "cancelled")
    kept = {title: desk.data_for(title) for title in ("Add break", "Create shift", "Cancel")}
    await desk.press("Cancel")
    body = await desk.teams.execute(*kept[verb_title])
    assert "Cancelled. Nothing was created." in texts(body["value"])
    assert (await shifts_by_label(desk.sandbox))["cancelled"] == 0


# --- several instances -------------------------------------------------------------------------------------


async def test_three_instances_on_one_container_create_each_form_once(
    bot_factory: BotFactory, connector: Connector, http: aiohttp.ClientSession, sandbox: SandboxHandle, azurite: Azurite
) -> None:
    """The same form submitted on three instances at once, for TRIO_FORMS forms (customers and shifts)."""
    settings = blob_settings(azurite, azurite.container())
    desks = [await start_desk(Desk, bot_factory, connector, http, sandbox, **settings) for _ in range(3)]
    forms: list[tuple[Desk, str]] = []
    for n in range(TRIO_FORMS):
        form = Desk(desks[n % 3].teams, sandbox)  # opened on any instance
        if n % 2:
            await open_shift(form, f"trio {n}", day_of(n))
            forms.append((form, "Create shift"))
        else:
            await open_customer(form, f"trio-{n}@contoso.com")
            forms.append((form, "Create"))

    async def on_all_three(form: Desk, title: str) -> None:
        verb, data = form.data_for(title)
        await asyncio.gather(*(d.teams.execute(verb, data) for d in desks))

    await asyncio.gather(*(on_all_three(form, title) for form, title in forms))
    await FormFlow.idle()
    emails, labels = await customers_by_email(sandbox), await shifts_by_label(sandbox)
    counts = [labels[f"trio {n}"] if n % 2 else emails[f"trio-{n}@contoso.com"] for n in range(TRIO_FORMS)]
    assert counts == [1] * TRIO_FORMS
    assert len([r for r in await sandbox.requests() if r["method"] == "POST"]) == TRIO_FORMS


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def killable_bot(
    tmp_path: Path, sandbox: SandboxHandle, azurite: Azurite
) -> AsyncIterator[tuple[subprocess.Popen[bytes], str, str]]:
    """The bot as its own process (app.py) on the blob store, so a test can SIGKILL it."""
    key_file = tmp_path / "dev-key.pem"
    key_file.write_bytes(
        sandbox.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    port, container = free_port(), azurite.container()
    env = {
        **os.environ,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "AUTH_MODE": "dev",
        "GRAPH_BASE_URL": sandbox.base_url,
        "DEV_SIGNING_KEY": str(key_file),
        "STATE_DB": str(tmp_path / "unused.db"),
        "STATE_STORE": "blob",
        "AZURE_STORAGE_CONNECTION_STRING": azurite.connection_string,
        "STATE_CONTAINER": container,
        "LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen([sys.executable, str(ROOT / "app.py")], cwd=tmp_path, env=env)  # noqa: ASYNC220
    url = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as http:
        for _ in range(100):
            try:
                async with http.get(f"{url}/healthz") as response:
                    if response.status == 200:
                        break
            except aiohttp.ClientError:
                await asyncio.sleep(0.1)
    try:
        yield process, url, container
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


async def test_an_instance_killed_mid_create_is_finished_by_another_without_duplicate(
    killable_bot: tuple[subprocess.Popen[bytes], str, str],
    bot_factory: BotFactory,
    connector: Connector,
    http: aiohttp.ClientSession,
    sandbox: SandboxHandle,
    azurite: Azurite,
) -> None:
    process, url, container = killable_bot
    doomed = Desk(TeamsClient(bot_url=url, connector=connector, session=http), sandbox)
    await open_shift(doomed, "killed mid-create")
    await sandbox.inject(after=True, delay=10, match=POST_SHIFTS)  # Graph writes, then is slow to answer
    verb, data = doomed.data_for("Create shift")
    pressed = asyncio.create_task(doomed.teams.execute(verb, data))
    for _ in range(50):
        await asyncio.sleep(0.1)
        if any(r["method"] == "POST" for r in await sandbox.requests()):
            break
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    with pytest.raises(aiohttp.ClientError):
        await pressed

    server = await bot_factory(
        graph_base_url=sandbox.base_url,
        token_provider=DevTokenProvider(sandbox.key),
        **blob_settings(azurite, container),
    )
    survivor = TeamsClient(bot_url=str(server.make_url("")).rstrip("/"), connector=connector, session=http)
    assert "Still creating" in texts((await survivor.execute(verb, data))["value"])  # the claim is still live...
    server.app[SERVICES_KEY].forms.clock = lambda: time.time() + 120  # ...until its deadline has passed
    assert SHIFT_DONE in texts((await survivor.execute(verb, data))["value"])
    assert (await shifts_by_label(sandbox))["killed mid-create"] == 1
    assert len([r for r in await sandbox.requests() if r["method"] == "POST"]) == 1


# --- injected faults over many creates ----------------------------------------------------------------------

FAULTS: list[dict[str, Any]] = [
    {"status": 429, "count": 3, "retryAfter": 0},  # throttled past the retries: nothing was done
    {"status": 503},  # refused before the write
    {"status": 503, "after": True},  # written, then the answer is a 503
    {"status": 504, "after": True},
    {"delay": 1.5, "after": True},  # written, the answer comes after the bot stopped waiting
    {"delay": 1.5},  # the write itself lands after the bot stopped waiting
]


@pytest.mark.parametrize("store", ["sqlite", "blob"])
async def test_30_percent_faults_over_many_creates_make_no_duplicate(
    request: pytest.FixtureRequest,
    bot_factory: BotFactory,
    connector: Connector,
    http: aiohttp.ClientSession,
    sandbox: SandboxHandle,
    store: str,
) -> None:
    # A late write lands 1.5 s after its POST; the bot stops waiting at 1 s and sends nothing again before 2.5 s more.
    settings: dict[str, Any] = {"create_wait_seconds": 1.0, "unknown_settle_seconds": 2.5}
    if store == "blob":
        azurite: Azurite = request.getfixturevalue("azurite")
        settings.update(blob_settings(azurite, azurite.container()))
    desk = await start_desk(Desk, bot_factory, connector, http, sandbox, **settings)
    rng = random.Random(11)
    customers, shifts = [], []
    for n in range(STRESS_CREATES):
        customer, shift = Desk(desk.teams, sandbox), Desk(desk.teams, sandbox)
        await open_customer(customer, f"stress-{n}@contoso.com")
        await open_shift(shift, f"stress {n}", day_of(n))
        customers.append(customer)
        shifts.append(shift)
    gate = asyncio.Semaphore(8)

    async def create(form: Desk, title: str, done: str, match: str) -> int:
        async with gate:
            verb, data = form.data_for(title)
            for presses in range(1, 80):
                if rng.random() < 0.3:
                    await sandbox.inject(match=match, **rng.choice(FAULTS))
                body = await form.teams.execute(verb, data)
                if done in texts(body["value"]):
                    return presses
                await asyncio.sleep(0.2)
            raise AssertionError(texts(body["value"])[:300])

    await asyncio.gather(
        *(create(form, "Create", CUSTOMER_DONE, POST_CUSTOMERS) for form in customers),
        *(create(form, "Create shift", SHIFT_DONE, POST_SHIFTS) for form in shifts),
    )
    await asyncio.sleep(1.6)  # let any write still in flight land, so a late duplicate would be counted
    emails, labels = await customers_by_email(sandbox), await shifts_by_label(sandbox)
    assert [emails[f"stress-{n}@contoso.com"] for n in range(STRESS_CREATES)] == [1] * STRESS_CREATES
    assert [labels[f"stress {n}"] for n in range(STRESS_CREATES)] == [1] * STRESS_CREATES
