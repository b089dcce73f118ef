"""Alerts on a moved clock: the morning digest (once, even with two bot instances), notices of new requests,
/alerts off|on, the install that registers a manager, and a conversation the bot was removed from."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from bot.auth.tokens import DevTokenProvider
from bot.requests.alerts import Alerts
from bot.teams.app import SERVICES_KEY
from tests.cardcheck import assert_valid_cards
from tests.conftest import BotFactory
from tests.desk import Desk, texts
from tests.fixtures_sandbox import ADELE_OID, ALEX_OID, MEGAN_OID, SEED_GROUP_ID, TEAM_ID, SandboxHandle
from tests.teams import BOT_ID, Connector, TeamsClient, card_of
from tests.test_requests_flow import runs_joined

PARIS = ZoneInfo("Europe/Paris")


def paris(day: int, hour: int, minute: int = 0, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=PARIS).astimezone(UTC)


def alerts_of(server: TestServer) -> Alerts:
    [alerts] = [job for job in server.app[SERVICES_KEY].jobs if isinstance(job, Alerts)]
    return alerts


class Bots:
    """Two instances of the bot on one shared state store, and the manager talking to the first."""

    def __init__(self, desk: Desk, servers: list[TestServer], connector: Connector) -> None:
        self.desk = desk
        self.alerts = [alerts_of(server) for server in servers]
        self.connector = connector

    async def tick(self, when: datetime) -> list[dict[str, Any]]:
        """Every instance ticks at once; returns the cards sent meanwhile."""
        before = len(self.connector.sent())
        await asyncio.gather(*(alerts.tick(when) for alerts in self.alerts))
        return [card for a in self.connector.sent()[before:] if (card := card_of(a)) is not None]


@pytest.fixture
async def bots(
    bot_factory: BotFactory, connector: Connector, http: aiohttp.ClientSession, sandbox: SandboxHandle
) -> Bots:
    servers = [
        await bot_factory(graph_base_url=sandbox.base_url, token_provider=DevTokenProvider(sandbox.key))
        for _ in range(2)
    ]
    teams = TeamsClient(bot_url=str(servers[0].make_url("")).rstrip("/"), connector=connector, session=http)
    return Bots(Desk(teams, sandbox), servers, connector)


async def add_draft(sandbox: SandboxHandle, start: str, end: str) -> None:
    body = {
        "userId": MEGAN_OID,
        "schedulingGroupId": SEED_GROUP_ID,
        "draftShift": {"displayName": "Inventory", "startDateTime": start, "endDateTime": end, "theme": "blue"},
        "sharedShift": None,
    }
    assert (await sandbox.call("POST", f"/teams/{TEAM_ID}/schedule/shifts", json=body)).status == 201


async def add_request(sandbox: SandboxHandle, sender: str = ALEX_OID) -> dict[str, Any]:
    fields = {"senderUserId": sender, "senderMessage": "Wedding", "timeOffReasonId": None}
    fields |= {"startDateTime": "2027-01-14T23:00:00Z", "endDateTime": "2027-01-15T23:00:00Z"}
    async with sandbox.http.post(f"{sandbox.root_url}/_sandbox/teams/{TEAM_ID}/timeOffRequests", json=fields) as r:
        assert r.status == 201
        return dict(await r.json())


async def test_the_digest_comes_once_at_the_managers_morning_even_with_two_instances(bots: Bots) -> None:
    await bots.desk.say("/requests")  # the manager talks to the bot: their personal chat is remembered
    await add_draft(bots.desk.sandbox, "2027-01-05T08:00:00Z", "2027-01-05T12:00:00Z")
    assert await bots.tick(paris(29, 6, 0)) == []  # too early
    [digest] = await bots.tick(paris(29, 7, 31))
    text = texts(runs_joined(digest))
    assert text.startswith("Your morning at a glance")
    assert "5 requests waiting for you" in text
    assert "Time off · Megan Bowen: Vacation, Thu 24 Dec to Sat 26 Dec (all day, Europe/Paris)" in text
    assert "1 open shift still unfilled today or tomorrow" in text
    assert "Contoso Retail: “Kitchen prep” on Wed 30 Dec, 08:00–14:00, 2 slots" in text
    assert "1 draft not yet published for next week (Mon 4 Jan – Sun 10 Jan)" in text
    assert "Contoso Retail: Megan Bowen, “Inventory” on Tue 5 Jan, 09:00–13:00" in text
    assert [a["title"] for a in digest["actions"]] == ["Open my requests"]
    bots.desk.show(digest)
    inbox = await bots.desk.press("Open my requests")
    assert texts(inbox).startswith("Requests to approve") and "5 pending requests." in texts(inbox)
    assert await bots.tick(paris(29, 8, 0)) == []  # once a day
    assert await bots.tick(paris(29, 11, 0)) == []
    [next_day] = await bots.tick(paris(30, 7, 45))
    assert "5 requests waiting for you" in texts(next_day)
    assert "open shift" in texts(next_day)  # the 30th is today
    sent_to = {a["conversation"]["id"] for a in bots.connector.sent()}
    assert sent_to == {"conv-personal"}
    bots.desk.check_cards()
    assert_valid_cards(digest, next_day)


async def test_the_digest_follows_the_managers_zone(bots: Bots) -> None:
    bots.desk.teams.timezone = "America/New_York"
    await bots.desk.say("/requests")
    assert await bots.tick(paris(29, 7, 45)) == []  # 01:45 in New York
    ny_morning = datetime(2026, 12, 29, 7, 40, tzinfo=ZoneInfo("America/New_York"))
    [digest] = await bots.tick(ny_morning.astimezone(UTC))
    assert "(all day, America/New_York)" not in texts(digest)  # times are New York's
    assert "Wed 23 Dec, 18:00 to Sat 26 Dec, 18:00 (America/New_York)" in texts(runs_joined(digest))


async def test_a_new_request_brings_one_short_notice_soon_after(bots: Bots) -> None:
    await bots.desk.say("/requests")
    async with bots.desk.sandbox.http.delete(f"{bots.desk.sandbox.root_url}/_sandbox/requests"):
        pass  # only the polls from now on
    start = paris(2, 14, 0)
    assert await bots.tick(start) == []  # the first poll learns what is already pending
    added = await add_request(bots.desk.sandbox)
    assert await bots.tick(start + timedelta(seconds=60)) == []  # the poll interval (300 s) has not passed
    [notice] = await bots.tick(start + timedelta(seconds=301))
    text = texts(runs_joined(notice))
    assert text.startswith("1 new request") and "Time off · Alex Wilber" in text
    assert await bots.tick(start + timedelta(seconds=700)) == []  # told once
    listed = [r for r in await bots.desk.sandbox.requests() if r["path"].endswith("/timeOffRequests")]
    polls = {r["headers"].get("client-request-id") for r in listed}
    assert len(polls) == 3  # one instance polled each interval, the other held back by the lease
    assert added["id"]


async def test_alerts_off_and_on_in_both_languages(bots: Bots) -> None:
    await bots.desk.say("/requests")
    card = await bots.desk.say("/alerts off")
    assert "Alerts are off." in texts(card)
    assert await bots.tick(paris(29, 7, 45)) == []
    bots.desk.teams.locale = "fr-FR"
    card = await bots.desk.say("/alertes on")
    assert "Alertes activées : un résumé chaque matin à 07:30 (Europe/Paris)" in texts(card)
    [digest] = await bots.tick(paris(29, 7, 50))
    assert texts(digest).startswith("Votre matinée en un coup d'œil")
    assert "5 demandes vous attendent" in texts(digest)
    assert "Alertes activées (résumé à 07:30" in texts(await bots.desk.say("/alertes"))
    assert "Tapez /alertes on ou /alertes off." in texts(await bots.desk.say("/alertes peut-être"))


async def test_alerts_are_for_the_personal_chat(bots: Bots) -> None:
    bots.desk.teams.conversation_type = "channel"
    card = await bots.desk.say("/alerts on")
    assert "Alerts are sent in your personal chat with Manager Desk." in texts(card)
    assert await bots.tick(paris(29, 7, 45)) == []


async def test_installing_the_bot_registers_the_manager(bots: Bots) -> None:
    teams: TeamsClient = bots.desk.teams
    activity = teams.base_activity("conversationUpdate", membersAdded=[{"id": BOT_ID}])
    response = await teams.post(activity)
    assert response.status in (200, 201)
    [digest] = await bots.tick(paris(29, 7, 45))
    assert "5 requests waiting for you" in texts(digest)


async def test_a_conversation_the_bot_was_removed_from_is_forgotten(bots: Bots) -> None:
    await bots.desk.say("/requests")
    bots.connector.gone.add("conv-personal")
    assert await bots.tick(paris(29, 7, 45)) == []
    assert await bots.alerts[0].claims.manager(ADELE_OID) is None
    bots.connector.gone.clear()
    assert await bots.tick(paris(30, 7, 45)) == []  # nobody left to alert until the manager comes back


async def test_a_digest_that_failed_is_tried_again_ten_minutes_later(bots: Bots) -> None:
    await bots.desk.say("/requests")
    await bots.desk.sandbox.inject(status=503, count=100, match="GET .*/me/joinedTeams")
    assert await bots.tick(paris(29, 7, 35)) == []
    await bots.desk.sandbox.clear_faults()
    assert await bots.tick(paris(29, 7, 40)) == []  # not hammered: the next try is 10 minutes later
    [digest] = await bots.tick(paris(29, 7, 46))
    assert "5 requests waiting for you" in texts(digest)
    assert await bots.tick(paris(29, 8, 0)) == []
