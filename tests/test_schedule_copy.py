"""Copying a day or a week through the bot over HTTP against the sandbox (4 writes/s per team): progress and the
summary on the card through Outbound, overlaps skipped, each source shift copied once across a second press, 429s
and 503s, and a restart midway. Sizes are kept small here; bench/schedule_copy.py measures a 40-shift week."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from bot.auth.tokens import DevTokenProvider, UserIdentity
from bot.graph.client import GraphClient
from bot.schedule import copy as copy_module
from bot.schedule import copying as copying_module
from bot.schedule import model as m
from bot.schedule.copy import CopyJob, CopyPlan, JobState, Source, copy_body
from bot.schedule.copying import Copying
from bot.schedule.service import ScheduleService, Window
from bot.storage import SqliteStorage
from tests.conftest import BotFactory
from tests.desk import start_desk, texts
from tests.fixtures_sandbox import ADELE_OID, MEGAN_OID, TEAM_ID, TENANT_ID, SandboxHandle
from tests.fixtures_schedule import SCHEDULE
from tests.fixtures_schedule import ScheduleDesk as Desk
from tests.teams import Connector, card_of

pytestmark = pytest.mark.usefixtures("schedule_today")


@pytest.fixture
def desk(week_desk: Desk) -> Desk:
    return week_desk


async def posted_copies(desk: Desk) -> list[dict[str, Any]]:
    return [r for r in await desk.sandbox.requests() if r["method"] == "POST" and r["path"].endswith("/shifts")]


async def shifts_between(desk: Desk, start: str, end: str) -> list[dict[str, Any]]:
    shifts = await desk.shifts()
    return [s for s in shifts if start <= (s["draftShift"] or s["sharedShift"])["startDateTime"] < end]


def last_update(connector: Connector) -> dict[str, Any]:
    card = card_of(connector.updates()[-1].body)
    assert card is not None
    return card


async def ask_copy(desk: Desk, command: str, target: str, *, as_draft: str = "true") -> dict[str, Any]:
    await desk.say(command)
    await desk.press("Copy this week" if "week" in command else "Copy this day")
    desk.fill({"Copy to": target, "Copies": as_draft})
    desk.copy_press = desk.data_for("Copy")
    return await desk.press("Copy")


async def press_copy_again(desk: Desk) -> dict[str, Any]:
    """The same Copy button pressed once more, with what it posted the first time."""
    verb, data = desk.copy_press
    return await desk.execute(verb, data)


async def test_a_members_week_is_copied_as_drafts_with_a_summary(desk: Desk, connector: Connector) -> None:
    first = await ask_copy(desk, "/schedule 2026-12-07 week megan", "2026-12-16")
    await Copying.idle()
    final = last_update(connector) if connector.updates() else first
    assert "Copy finished" in texts(final)
    assert "6 of 6 done: 6 copied, 0 skipped because they would overlap, 0 failed." in texts(final)
    copies = await shifts_between(desk, "2026-12-13T23:00:00Z", "2026-12-20T23:00:00Z")
    assert len(copies) == 6 and all(c["draftShift"] and c["sharedShift"] is None for c in copies)
    night = next(c for c in copies if c["draftShift"]["displayName"] == "Night clean")
    assert (night["draftShift"]["startDateTime"], night["draftShift"]["endDateTime"]) == (
        "2026-12-16T21:00:00Z", "2026-12-17T05:00:00Z",
    )  # fmt: skip
    desk.check_cards()


async def test_a_second_press_and_a_second_card_copy_nothing_twice(desk: Desk, connector: Connector) -> None:
    await ask_copy(desk, "/schedule 2026-12-08 megan", "2026-12-15")
    again = await press_copy_again(desk)
    await Copying.idle()
    await ask_copy(desk, "/schedule 2026-12-08 megan", "2026-12-15")  # the same copy, asked from a new card
    await Copying.idle()
    assert len(await posted_copies(desk)) == 1
    assert "1 of 1 done: 1 copied" in texts(last_update(connector) if connector.updates() else again)
    whole_day = await ask_copy(desk, "/schedule 2026-12-08", "2026-12-15")  # everyone's, Megan's included
    await Copying.idle()
    assert "5 of 5 done: 5 copied" in texts(whole_day)
    assert len(await posted_copies(desk)) == 5  # Megan's shift was not copied again


async def test_overlapping_copies_are_skipped_and_said(desk: Desk, connector: Connector) -> None:
    desk.teams.locale = "fr-FR"
    await desk.say("/planning 2026-12-07 megan")
    await desk.press("Copier cette journée")
    desk.fill({"Copier vers": "2026-12-08"})  # Megan already opens on Tuesday, at the same hours
    card = await desk.press("Copier")
    await Copying.idle()
    final = last_update(connector) if connector.updates() else card
    assert "1 sur 1 traité : 0 copié, 1 ignoré car il chevaucherait un poste, 0 en échec." in texts(final)
    assert await posted_copies(desk) == []


async def test_throttling_and_lost_answers_still_copy_each_shift_once(desk: Desk, connector: Connector) -> None:
    await desk.sandbox.inject(status=429, retryAfter=0.2, count=2, match=r"^POST .*/schedule/shifts$")
    await desk.sandbox.inject(status=503, count=2, match=r"^POST .*/schedule/shifts$")
    first = await ask_copy(desk, "/schedule 2026-12-07 week megan", "2026-12-14", as_draft="false")
    await Copying.idle()
    final = last_update(connector) if connector.updates() else first
    assert "6 of 6 done: 6 copied" in texts(final)
    copies = await shifts_between(desk, "2026-12-13T23:00:00Z", "2026-12-20T23:00:00Z")
    starts = Counter((c["sharedShift"]["startDateTime"], c["userId"]) for c in copies)
    assert len(copies) == 6 and set(starts.values()) == {1}
    statuses = Counter(r["status"] for r in await posted_copies(desk))
    assert statuses == {201: 6, 429: 2, 503: 2}


async def test_a_failed_shift_is_reported_and_only_it_is_retried(desk: Desk, connector: Connector) -> None:
    await desk.sandbox.inject(status=403, count=1, code="Forbidden", match=r"^POST .*/schedule/shifts$")
    first = await ask_copy(desk, "/schedule 2026-12-08 week megan", "2026-12-21")
    await Copying.idle()
    final = last_update(connector) if connector.updates() else first
    assert "6 of 6 done: 5 copied, 0 skipped because they would overlap, 1 failed." in texts(final)
    assert "Not copied:" in texts(final)
    desk.show(final)
    retried = await desk.press("Retry the one that failed")
    await Copying.idle()
    final = last_update(connector) if len(connector.updates()) else retried
    assert "6 copied" in texts(final) and "0 failed" in texts(final)
    assert Counter(r["status"] for r in await posted_copies(desk)) == {201: 6, 403: 1}


async def test_a_restart_midway_copies_only_what_is_left(
    bot_factory: BotFactory,
    connector: Connector,
    http: aiohttp.ClientSession,
    week_sandbox: SandboxHandle,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(copy_module, "CLAIM_SECONDS", 0.5)
    monkeypatch.setattr(copying_module, "LEASE_SECONDS", 0.5)
    desk = await start_desk(Desk, bot_factory, connector, http, week_sandbox)
    # The first two writes hang for 2 s; the sandbox still makes them after the bot is gone, as Graph would.
    await week_sandbox.inject(delay=2.0, count=2, match=r"^POST .*/schedule/shifts$")
    await desk.say("/schedule 2026-12-07 week megan")
    await desk.press("Copy this week")
    desk.fill({"Copy to": "2026-12-14"})
    desk.copy_press = desk.data_for("Copy")
    pressed = asyncio.create_task(desk.press("Copy"))
    for _ in range(200):  # until two copies are done and two are in flight (the other two wait for the limiter)
        statuses = [r["status"] for r in await posted_copies(desk)]
        if statuses.count(201) >= 2 and statuses.count(None) >= 2:
            break
        await asyncio.sleep(0.02)
    for task in list(Copying._running):
        task.cancel()  # the instance dies
    await asyncio.gather(*Copying._running, return_exceptions=True)
    await pressed
    assert len(await shifts_between(desk, "2026-12-13T23:00:00Z", "2026-12-20T23:00:00Z")) < 6  # midway
    await asyncio.sleep(1.5)  # the two hanging writes land; the claims and the lease have run out
    again = await press_copy_again(desk)  # after the restart, the manager presses again
    await Copying.idle()
    final = last_update(connector) if connector.updates() else again
    assert "6 of 6 done: 6 copied" in texts(final)
    copies = await shifts_between(desk, "2026-12-13T23:00:00Z", "2026-12-20T23:00:00Z")
    assert len(copies) == 6
    assert len({(c["userId"], c["draftShift"]["startDateTime"]) for c in copies}) == 6
    assert MEGAN_OID in {c["userId"] for c in copies}
    # The two abandoned writes landed after the bot was gone: the new runner found them and did not post them again.
    assert len(await posted_copies(desk)) == 6


async def test_an_abandoned_claim_whose_copy_exists_is_adopted_not_posted_again(
    week_sandbox: SandboxHandle, tmp_path: Any
) -> None:
    """A runner died after its POST reached Graph but before it recorded the outcome: the next runner finds the
    copy in Graph and records it, without a second POST."""
    async with aiohttp.ClientSession() as session:
        graph = GraphClient(session, week_sandbox.base_url, DevTokenProvider(week_sandbox.key))
        user = UserIdentity(aad_object_id=ADELE_OID, tenant_id=TENANT_ID)
        plan = CopyPlan(TEAM_ID, "Europe/Paris", m.Range(date(2026, 12, 8), 1), date(2026, 12, 22), as_draft=True)
        zone = ZoneInfo(plan.zone)
        entries = await ScheduleService(graph).entries(user, TEAM_ID, Window.of(plan.source, zone))
        opening = next(e for e in entries if e.label == "Opening")
        body = copy_body(opening.raw, plan.offset, zone, True)
        assert body is not None
        made = await week_sandbox.call("POST", f"{SCHEDULE}/shifts", json=body)  # the dead runner's POST
        store = SqliteStorage(tmp_path / "state.db")
        key = plan.shift_key(opening.entry_id)
        await store.create(key, {"state": "claimed", "until": time.time() - 1})  # its claim, run out
        job = CopyJob(graph, store, user, plan)

        async def quiet(_: JobState) -> None:
            return None

        state = await job.run([Source(opening.entry_id, "Opening", body)], quiet)
        record = await store.get(key)
        await store.aclose()
    assert (state.copied, state.failed) == (1, {})
    assert record is not None and record.value == {"state": "copied", "copyId": made.body["id"], "adopted": True}
    assert len(await posted_copies_of(week_sandbox)) == 1


async def posted_copies_of(sandbox: SandboxHandle) -> list[dict[str, Any]]:
    return [r for r in await sandbox.requests() if r["method"] == "POST" and r["path"].endswith("/shifts")]


async def test_past_the_invoke_budget_the_card_shows_progress_then_is_updated_with_the_summary(
    desk: Desk, connector: Connector
) -> None:
    await desk.sandbox.inject(delay=2.0, count=6, match=r"^POST .*/schedule/shifts$")  # slow Graph
    answer = await ask_copy(desk, "/schedule 2026-12-07 week megan", "2026-12-14")
    assert "Copying…" in texts(answer) and "of 6 done" in texts(answer)  # Teams got its answer in time
    await Copying.idle()
    [update] = [u for u in connector.updates() if "Copy finished" in texts(card_of(u.body))]
    assert update.path.endswith("/activities/activity-1")  # the card that was pressed
    assert "6 of 6 done: 6 copied" in texts(card_of(update.body))
