"""The requests inbox end to end: Teams-shaped activities over HTTP to the real bot, the bot's Graph calls to the
sandbox. Each request kind, Approve and Decline, each refusal, a double press, both languages."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import aiohttp
import pytest

from bot.graph.errors import GraphThrottled
from bot.i18n import Lang
from bot.requests.inbox import explain
from sandbox.store import load_fixture
from tests.conftest import BotFactory
from tests.desk import Desk as BaseDesk
from tests.desk import actions_of, start_desk, texts
from tests.fixtures_sandbox import ADELE_OID, MEGAN_OID, PATTI_OID, TEAM_ID, SandboxHandle
from tests.teams import TEAM_THREAD_ID, Connector

SCHEDULE = f"/teams/{TEAM_ID}/schedule"
_TEAM = next(team for team in load_fixture(None)["teams"] if team["id"] == TEAM_ID)
TIME_OFF_ID, _ = (r["id"] for r in _TEAM["timeOffRequests"])
SWAP_ID, WAITING_SWAP_ID = (r["id"] for r in _TEAM["swapShiftsChangeRequests"])
[OFFER_ID] = (r["id"] for r in _TEAM["offerShiftRequests"])
[OPEN_ID] = (r["id"] for r in _TEAM["openShiftChangeRequests"])
COLLECTION_OF = {
    TIME_OFF_ID: "timeOffRequests",
    SWAP_ID: "swapShiftsChangeRequests",
    WAITING_SWAP_ID: "swapShiftsChangeRequests",
    OFFER_ID: "offerShiftRequests",
    OPEN_ID: "openShiftChangeRequests",
}


def runs_joined(node: Any) -> Any:
    """The card with each RichTextBlock read as one line (its TextRuns joined), as a reader sees it."""
    if isinstance(node, dict) and node.get("type") == "RichTextBlock":
        return {"type": "TextBlock", "text": "".join(run.get("text", "") for run in node.get("inlines", []))}
    if isinstance(node, dict):
        return {key: runs_joined(value) for key, value in node.items()}
    if isinstance(node, list):
        return [runs_joined(item) for item in node]
    return node


class Desk(BaseDesk):
    def item_text(self, request_id: str) -> str:
        """Everything the card shows about one request (its container)."""
        for container in self.card["body"]:
            if container.get("id") == f"request.{request_id}":
                return texts(runs_joined(container))
        raise AssertionError(f"{request_id} not on the card")

    def decision(self, request_id: str, title: str) -> tuple[str, dict[str, Any]]:
        [action] = [
            a for a in actions_of(self.card) if a.get("title") == title and a["data"].get("requestId") == request_id
        ]
        return action["verb"], {**action["data"], **self.inputs}

    async def decide(self, request_id: str, title: str, message: str = "") -> dict[str, Any]:
        verb, data = self.decision(request_id, title)
        data[data["input"]] = message
        return await self.execute(verb, data)

    async def state(self, request_id: str) -> dict[str, Any]:
        reply = await self.sandbox.call("GET", f"{SCHEDULE}/{COLLECTION_OF[request_id]}/{request_id}")
        return reply.body

    async def decisions(self) -> list[dict[str, Any]]:
        return [
            r
            for r in await self.sandbox.requests()
            if r["method"] == "POST" and r["path"].endswith(("/approve", "/decline"))
        ]


@pytest.fixture
async def desk(
    bot_factory: BotFactory, connector: Connector, http: aiohttp.ClientSession, sandbox: SandboxHandle
) -> Desk:
    return await start_desk(Desk, bot_factory, connector, http, sandbox)


async def test_the_inbox_lists_each_pending_request_with_who_what_when_and_note(desk: Desk) -> None:
    card = await desk.say("/requests")
    assert texts(card).startswith("Requests to approve")
    assert "5 pending requests." in texts(card)
    time_off = desk.item_text(TIME_OFF_ID)
    assert "Time off · Megan Bowen" in time_off and "Vacation" in time_off
    assert "Thu 24 Dec to Sat 26 Dec (all day, Europe/Paris)" in time_off
    assert "Family trip, back on the 27th." in time_off
    assert "Conflicts with 1 of Megan Bowen's shifts: “Day shift” on Thu 24 Dec, 09:00–17:00" in time_off
    swap = desk.item_text(SWAP_ID)
    assert "Alex Wilber gives “Day shift” on Tue 22 Dec, 09:00–17:00 and takes Isaiah Langer's" in swap
    assert "Reply from Isaiah Langer: Fine by me" in swap
    assert "Waiting for Patti Fernandez to accept first" in desk.item_text(WAITING_SWAP_ID)
    assert "Patti Fernandez offers “Kitchen close”" in desk.item_text(OFFER_ID)
    assert "asks for the open shift “Kitchen prep” on Wed 30 Dec, 08:00–14:00" in desk.item_text(OPEN_ID)
    listed = [r for r in await desk.sandbox.requests() if r["path"].endswith("Requests")]
    assert {r["query"].get("$filter") for r in listed} == {"state eq 'pending'"}
    desk.check_cards()


async def test_times_follow_the_managers_zone(desk: Desk) -> None:
    desk.teams.timezone = "America/New_York"
    await desk.say("/requests")
    assert "Wed 23 Dec, 18:00 to Sat 26 Dec, 18:00 (America/New_York)" in desk.item_text(TIME_OFF_ID)


async def test_approve_each_kind_with_a_message_on_one_list(desk: Desk) -> None:
    await desk.say("/requests")
    for n, request_id in enumerate([TIME_OFF_ID, SWAP_ID, OFFER_ID, OPEN_ID]):
        await desk.decide(request_id, "Approve", f"Enjoy! {n}")
        assert "Approved." in desk.item_text(request_id) and f"Your message: Enjoy! {n}" in desk.item_text(request_id)
        state = await desk.state(request_id)
        assert (state["state"], state["managerActionMessage"]) == ("approved", f"Enjoy! {n}")
        assert state["managerUserId"] == ADELE_OID
    # Every outcome is kept on the one list: the earlier ones did not vanish when the later ones came.
    assert all("Approved." in desk.item_text(r) for r in [TIME_OFF_ID, SWAP_ID, OFFER_ID, OPEN_ID])
    assert len(await desk.decisions()) == 4
    desk.check_cards()


@pytest.mark.parametrize("request_id", [TIME_OFF_ID, SWAP_ID, OFFER_ID, OPEN_ID])
async def test_decline_each_kind_without_a_message(desk: Desk, request_id: str) -> None:
    await desk.say("/requests")
    await desk.decide(request_id, "Decline")
    assert "Declined." in desk.item_text(request_id)
    state = await desk.state(request_id)
    assert state["state"] == "declined" and state["managerActionMessage"] is None
    [sent] = await desk.decisions()
    assert sent["body"] == {"message": None}


async def test_already_approved_by_someone_else(desk: Desk) -> None:
    await desk.say("/requests")
    other = await desk.sandbox.call("POST", f"{SCHEDULE}/timeOffRequests/{TIME_OFF_ID}/approve", json={})
    assert other.status == 200
    await desk.decide(TIME_OFF_ID, "Decline")
    assert "Already approved by someone else." in desk.item_text(TIME_OFF_ID)
    assert not [a for a in actions_of(desk.card) if a["data"].get("requestId") == TIME_OFF_ID]


async def test_a_swap_still_waiting_for_its_recipient_says_so_and_can_be_decided_later(desk: Desk) -> None:
    await desk.say("/requests")
    await desk.decide(WAITING_SWAP_ID, "Approve")
    assert "Patti Fernandez has not accepted this request yet." in desk.item_text(WAITING_SWAP_ID)
    assert (await desk.state(WAITING_SWAP_ID))["state"] == "pending"
    accepted = await desk.sandbox.call(
        "POST", f"{SCHEDULE}/swapShiftsChangeRequests/{WAITING_SWAP_ID}/approve", json={}, oid=PATTI_OID
    )
    assert accepted.status == 204
    await desk.decide(WAITING_SWAP_ID, "Approve")  # the same button, pressed again
    assert "Approved." in desk.item_text(WAITING_SWAP_ID)
    assert (await desk.state(WAITING_SWAP_ID))["state"] == "approved"


async def test_a_request_withdrawn_meanwhile(desk: Desk) -> None:
    await desk.say("/requests")
    await desk.sandbox.inject(status=404, code="NotFound", match=f"POST .*/{OFFER_ID}/approve$")
    await desk.decide(OFFER_ID, "Approve")
    assert "This request no longer exists." in desk.item_text(OFFER_ID)


async def test_throttled_decision_can_be_pressed_again_once_graphs_retry_after_is_over(
    bot_factory: BotFactory, connector: Connector, http: aiohttp.ClientSession, sandbox: SandboxHandle
) -> None:
    # The client may wait 0.5 s between attempts: a 2 s Retry-After is handed to the manager, not waited out.
    desk = await start_desk(Desk, bot_factory, connector, http, sandbox, graph_retry_budget_seconds=0.5)
    await desk.say("/requests")
    await desk.sandbox.inject(status=429, retryAfter=2, match=f"POST .*/{OPEN_ID}/approve$")
    await desk.decide(OPEN_ID, "Approve")
    assert "Microsoft 365 is busy. Nothing was decided. Try again in 2 seconds." in desk.item_text(OPEN_ID)
    await desk.decide(OPEN_ID, "Approve")  # at once: held until Graph's Retry-After is over (it fits in the action)
    assert "Approved." in desk.item_text(OPEN_ID)
    refused, approved = [r for r in await desk.sandbox.requests() if r["path"].endswith(f"/{OPEN_ID}/approve")]
    assert (refused["status"], approved["status"]) == (429, 200) or approved["status"] == 204
    assert approved["receivedAt"] - refused["receivedAt"] >= 2.0  # not sent before Graph said it may be


async def test_a_decision_that_cannot_wait_out_graphs_retry_after_is_not_sent(desk: Desk) -> None:
    await desk.say("/requests")
    await desk.sandbox.inject(status=429, retryAfter=30, match=f"POST .*/{OPEN_ID}/approve$")
    await desk.decide(OPEN_ID, "Approve")
    assert "Microsoft 365 is busy. Nothing was decided. Try again in 30 seconds." in desk.item_text(OPEN_ID)
    await desk.decide(OPEN_ID, "Approve")  # the team is held for 30 s, longer than a card action may wait
    assert re.search(r"busy\. Nothing was decided\. Try again in (29|30) seconds\.", desk.item_text(OPEN_ID))
    assert len([r for r in await desk.sandbox.requests() if r["path"].endswith(f"/{OPEN_ID}/approve")]) == 1


async def test_a_double_press_makes_one_call(desk: Desk) -> None:
    await desk.say("/requests")
    await desk.sandbox.inject(delay=0.5, match=f"POST .*/{TIME_OFF_ID}/approve$")
    verb, data = desk.decision(TIME_OFF_ID, "Approve")
    first, second = await asyncio.gather(desk.teams.execute(verb, data), desk.teams.execute(verb, data))
    assert len(await desk.decisions()) == 1
    both = texts(first["value"]) + texts(second["value"])
    assert "Approved." in both and "already being sent" in both
    desk.show(second["value"])
    again = await desk.execute(verb, data)  # a later press shows the outcome, and calls nothing
    assert "Approved." in texts(again) and len(await desk.decisions()) == 1


async def test_a_manager_who_owns_no_scheduled_team(desk: Desk) -> None:
    desk.teams.user = {"id": "29:user-megan", "name": "Megan Bowen", "aadObjectId": MEGAN_OID}
    card = await desk.say("/requests")
    assert "You don't own a team whose Shifts schedule is set up" in texts(card)


async def test_french_inbox_and_decision(desk: Desk) -> None:
    desk.teams.locale = "fr-FR"
    card = await desk.say("/demandes")
    assert texts(card).startswith("Demandes à traiter")
    assert "5 demandes en attente." in texts(card)
    time_off = desk.item_text(TIME_OFF_ID)
    assert "Congé · Megan Bowen" in time_off and "Quoi : Vacation" in time_off
    assert "du jeu. 24 déc. au sam. 26 déc. (journées entières" in time_off
    assert "Chevauche 1 poste de Megan Bowen : « Day shift » le jeu. 24 déc., 09:00–17:00" in time_off
    await desk.decide(TIME_OFF_ID, "Approuver", "Bonnes vacances")
    assert "Approuvée." in desk.item_text(TIME_OFF_ID) and "Votre message : Bonnes vacances" in texts(desk.card)
    await desk.sandbox.call("POST", f"{SCHEDULE}/offerShiftRequests/{OFFER_ID}/approve", json={})
    await desk.decide(OFFER_ID, "Refuser")
    assert "Déjà approuvée par quelqu'un d'autre." in desk.item_text(OFFER_ID)
    desk.check_cards()


async def test_names_and_notes_are_shown_literally(desk: Desk, sandbox: SandboxHandle) -> None:
    fields = {"senderUserId": MEGAN_OID, "senderMessage": "**urgent** [click](https://evil.example) ![x](y.png)"}
    fields |= {"startDateTime": "2026-12-29T23:00:00Z", "endDateTime": "2026-12-30T23:00:00Z"}
    async with sandbox.http.post(f"{sandbox.root_url}/_sandbox/teams/{TEAM_ID}/timeOffRequests", json=fields) as r:
        added = await r.json()
    card = await desk.say("/requests")
    blocks = [b for b in str(card).split("'type': ") if "evil.example" in b]
    assert blocks and all(b.startswith("'TextRun'") for b in blocks)
    assert added["id"]


@pytest.mark.parametrize(
    ("request_id", "fault", "expected"),
    [
        (WAITING_SWAP_ID, None, "Patti Fernandez n'a pas encore accepté cette demande."),
        (OFFER_ID, {"status": 404, "code": "NotFound"}, "Cette demande n'existe plus."),
        (OPEN_ID, {"status": 429, "retryAfter": 30}, "Microsoft 365 est occupé. Rien n'a été décidé."),
    ],
)
async def test_french_refusals(desk: Desk, request_id: str, fault: dict[str, Any] | None, expected: str) -> None:
    desk.teams.locale = "fr-FR"
    await desk.say("/demandes")
    if fault:
        await desk.sandbox.inject(**fault, match=f"POST .*/{request_id}/approve$")
    await desk.decide(request_id, "Approuver")
    assert expected in desk.item_text(request_id)
    assert (await desk.state(request_id))["state"] == "pending"


async def test_a_list_answers_only_its_manager_in_its_conversation(desk: Desk) -> None:
    await desk.say("/requests")
    desk.teams.conversation_type = "groupChat"
    desk.teams.user = {"id": "29:user-megan", "name": "Megan Bowen", "aadObjectId": MEGAN_OID}
    await desk.decide(TIME_OFF_ID, "Approve")
    assert "This list belongs to another manager." in texts(desk.card)
    assert await desk.decisions() == []


async def test_a_long_inbox_shows_the_oldest_and_says_how_many_more(desk: Desk, sandbox: SandboxHandle) -> None:
    for day in range(10, 18):
        fields = {"senderUserId": MEGAN_OID, "senderDateTime": f"2026-11-{day}T09:00:00Z"}
        fields |= {"startDateTime": f"2027-01-{day}T23:00:00Z", "endDateTime": f"2027-01-{day + 1}T23:00:00Z"}
        async with sandbox.http.post(f"{sandbox.root_url}/_sandbox/teams/{TEAM_ID}/timeOffRequests", json=fields):
            pass
    card = await desk.say("/requests")
    assert "13 pending requests." in texts(card)
    assert "Showing the 10 oldest; 3 more after these." in texts(runs_joined(card))
    assert len([a for a in actions_of(card) if a["title"] == "Approve"]) == 10
    assert "Tue 10 Nov" in texts(runs_joined(card))  # the oldest first
    desk.check_cards()


async def test_in_a_channel_the_list_is_that_teams(desk: Desk, connector: Connector) -> None:
    desk.teams.conversation_type = "channel"
    connector.teams[TEAM_THREAD_ID] = {"id": TEAM_THREAD_ID, "aadGroupId": TEAM_ID, "name": "Contoso Retail"}
    card = await desk.say("/requests")
    assert "5 pending requests." in texts(card)


async def test_no_longer_pending_when_the_request_cannot_be_read_back(desk: Desk) -> None:
    await desk.say("/requests")
    await desk.sandbox.call("POST", f"{SCHEDULE}/swapShiftsChangeRequests/{SWAP_ID}/approve", json={})
    await desk.sandbox.inject(status=404, code="NotFound", match=f"GET .*/{SWAP_ID}$")  # no GET by id for swaps
    await desk.decide(SWAP_ID, "Decline")
    assert "Already approved by someone else." in desk.item_text(SWAP_ID)  # read from the collection instead
    await desk.say("/requests")
    await desk.sandbox.call("POST", f"{SCHEDULE}/offerShiftRequests/{OFFER_ID}/decline", json={})
    await desk.sandbox.inject(status=503, count=10, match=r"GET .*/offerShiftRequests")
    await desk.decide(OFFER_ID, "Approve")
    assert "This request is no longer pending." in desk.item_text(OFFER_ID)


@pytest.mark.parametrize(
    ("lang", "retry_after", "said"),
    [
        ("en", 1.0, "Microsoft 365 is busy. Nothing was decided. Try again in 1 second."),
        ("en", 4.2, "Microsoft 365 is busy. Nothing was decided. Try again in 5 seconds."),  # rounded up
        ("fr", 1.0, "Microsoft 365 est occupé. Rien n'a été décidé. Réessayez dans 1\u00a0seconde."),  # no-break
        ("fr", 30.0, "Microsoft 365 est occupé. Rien n'a été décidé. Réessayez dans 30\u00a0secondes."),
        ("fr", None, "Microsoft 365 est occupé. Rien n'a été décidé. Réessayez dans une minute."),
    ],
)
def test_a_busy_graph_says_how_long_to_wait_with_the_right_plural(
    lang: Lang, retry_after: float | None, said: str
) -> None:
    refused = GraphThrottled(status=429, code="TooManyRequests", retry_after=retry_after)
    assert explain(refused, lang) == said
