"""/requests and the Approve / Decline buttons.

The list shown is kept in storage (it belongs to its manager) so that a press re-renders it with that
request's outcome. A decision is claimed in the shared store before it is sent, so a double press, Teams
re-sending the invoke or a second bot instance make one call; Graph's refusals become plain words."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from typing import Any

from bot import i18n
from bot.flows import ACTION_BUDGET_SECONDS
from bot.graph.client import deadline
from bot.graph.errors import GraphError, GraphForbidden, GraphNotFound, GraphThrottled, GraphUnavailable
from bot.i18n import Lang, t, tn
from bot.requests.claims import Claims
from bot.requests.describe import describe
from bot.requests.model import COLLECTIONS, Action, Collection, TeamInbox
from bot.requests.service import RequestsService
from bot.requests.strings import zone_of
from bot.services import Services
from bot.shift.directory import TeamOption
from bot.turn import Reply, Turn
from cards.common import notice_card
from cards.requests import InboxView, Line, RequestItem, inbox_card, message_input_id

log = logging.getLogger("managerdesk.requests")

Clock = Callable[[], datetime]
DECISION_LEASE_SECONDS = 60.0  # a crashed instance's claim frees itself after this
MAX_MESSAGE = 500
INBOX_KEY = "requests-inbox:"
INBOX_DAYS = 30  # a list's buttons work this long
MAX_ITEMS = 10


@dataclass(frozen=True)
class Decision:
    team_id: str
    collection: Collection
    request_id: str
    action: Action
    item: RequestItem  # as the list shows it


class Inbox:
    def __init__(self, services: Services, service: RequestsService, claims: Claims) -> None:
        self.services = services
        self.service = service
        self.claims = claims

    # --- /requests -------------------------------------------------------------------------------------------
    async def open(self, turn: Turn) -> Reply:
        title = t(turn.lang, "requests.title")
        try:
            with deadline(ACTION_BUDGET_SECONDS * 2):
                teams = await self.service.owned_teams(turn.user)
                if turn.conversation_type == "channel":  # in a team's channel, that team's requests only
                    here = await turn.resolve_team_group_id()
                    teams = [(team, zone) for team, zone in teams if team.team_id == here]
                if not teams:
                    return Reply.new_card(notice_card(turn.lang, title, [t(turn.lang, "requests.no_teams")]))
                inboxes = await asyncio.gather(
                    *(self.service.inbox(turn.user, team, zone) for team, zone in teams), return_exceptions=True
                )
        except GraphError as error:
            lines = [t(turn.lang, "requests.open_failed"), explain(error, turn.lang)]
            return Reply.new_card(notice_card(turn.lang, title, lines, error.request_id))
        view = self.build(turn, [team for team, _ in teams], list(inboxes))
        await self._save(view, turn)
        return Reply.new_card(inbox_card(view, turn.lang))

    def build(self, turn: Turn, teams: list[TeamOption], inboxes: list[TeamInbox | BaseException]) -> InboxView:
        inbox_id = uuid.uuid4().hex
        items: list[RequestItem] = []
        notes: list[str] = []
        for team, found in zip(teams, inboxes, strict=True):
            if isinstance(found, BaseException):
                if not isinstance(found, GraphError):
                    raise found
                notes.append(t(turn.lang, "requests.team_failed", team=team.name))
                continue
            zone = zone_of(turn.timezone, found.zone)
            for request in sorted(found.requests, key=lambda r: r.sent_at or datetime.min.replace(tzinfo=UTC)):
                items.append(describe(found, request, zone, turn.lang, show_team=len(teams) > 1))
        summary = tn(turn.lang, "requests.count", len(items)) if items else t(turn.lang, "requests.none")
        if len(items) > MAX_ITEMS:  # a Teams card holds about 28 KB: the oldest first, the rest next time
            notes.append(t(turn.lang, "requests.more", shown=MAX_ITEMS, left=len(items) - MAX_ITEMS))
            items = items[:MAX_ITEMS]
        return InboxView(inbox_id, t(turn.lang, "requests.title"), summary, items, notes)

    # --- Approve / Decline -------------------------------------------------------------------------------
    async def decide(self, turn: Turn, action: Action) -> Reply:
        inbox_id = str(turn.data.get("formId") or "")
        stored = await self._load(inbox_id)
        if stored is None:
            return stale(turn.lang)
        owner, view = stored
        request_id = str(turn.data.get("requestId") or "")
        item = next((i for i in view.items if i.request_id == request_id and i.action_data), None)
        if owner != (turn.user.aad_object_id, turn.conversation_id):
            return Reply.in_place(inbox_card(replace(view, notes=[t(turn.lang, "requests.not_yours")]), turn.lang))
        if item is None or item.action_data is None:
            return Reply.in_place(inbox_card(view, turn.lang))
        collection = next((c for c in COLLECTIONS if c == item.action_data.get("collection")), None)
        team_id = str(item.action_data.get("teamId"))
        if collection is None:
            return stale(turn.lang)
        key, holder = f"decision:{team_id.lower()}:{request_id}", uuid.uuid4().hex
        if not await self.claims.claim(key, holder, DECISION_LEASE_SECONDS):
            return await self._pressed_twice(turn, inbox_id, request_id)
        message = _message(turn.data, message_input_id(request_id))
        decision = Decision(team_id, collection, request_id, action, item)
        outcome = await self._send(turn, decision, message)
        if outcome.action_data is not None:  # nothing was decided: the button may be pressed again
            await self.claims.release(key, holder)
        view = await self._record(inbox_id, outcome)
        return Reply.in_place(inbox_card(view, turn.lang))

    async def _pressed_twice(self, turn: Turn, inbox_id: str, request_id: str) -> Reply:
        stored = await self._load(inbox_id)
        if stored is None:
            return stale(turn.lang)
        _, view = stored
        items = [
            i if i.request_id != request_id or i.outcome else replace(i, outcome=t(turn.lang, "requests.in_progress"))
            for i in view.items
        ]
        return Reply.in_place(inbox_card(replace(view, items=items), turn.lang))

    async def _send(self, turn: Turn, decision: Decision, message: str) -> RequestItem:
        lang, action, item = turn.lang, decision.action, decision.item
        try:
            with deadline(ACTION_BUDGET_SECONDS):
                await self.service.decide(
                    turn.user, decision.team_id, decision.collection, decision.request_id, action, message
                )
        except GraphError as error:
            log.warning(
                "request %s failed status=%s code=%s inner=%s request-id=%s client-request-id=%s",
                action,
                error.status,
                error.code,
                error.inner_code,
                error.request_id,
                error.client_request_id,
            )
            return await self._refused(turn, decision, error)
        log.info("request %s collection=%s", action, decision.collection)
        lines = [t(lang, f"requests.done.{action}d", name=item.sender_name)]
        if message:
            lines.append(t(lang, "requests.done.message", message=message))
        return replace(item, outcome="\n".join(lines), outcome_good=True, action_data=None, warnings=[])

    async def _refused(self, turn: Turn, decision: Decision, error: GraphError) -> RequestItem:
        lang, action, item = turn.lang, decision.action, decision.item
        codes = error.codes
        ref = error.request_id or error.client_request_id
        if isinstance(error, GraphNotFound):
            return replace(item, outcome=t(lang, "requests.refused.gone"), outcome_good=False, action_data=None)
        if "shiftrequestnotavailable" in codes:
            name = _recipient_name(item)
            return replace(item, outcome=t(lang, "requests.refused.waiting", name=name), outcome_good=False)
        if "missingadminpermissions" in codes:
            team = _team_name(item)
            return replace(item, outcome=t(lang, "requests.refused.not_owner", team=team), outcome_good=False)
        if isinstance(error, GraphForbidden) or isinstance(error, GraphUnavailable):
            # Not pending any more, or no answer: look at the request before saying anything.
            with deadline(ACTION_BUDGET_SECONDS / 2):
                now = await self.service.request(turn.user, decision.team_id, decision.collection, decision.request_id)
            if now is not None and now.state in ("approved", "declined"):
                mine = now.state == f"{action}d" and _same(now.manager_id, turn.user.aad_object_id)
                key = f"requests.already.{now.state}" + ("_by_you" if mine else "")
                return replace(item, outcome=t(lang, key), outcome_good=mine, action_data=None, warnings=[])
            if isinstance(error, GraphUnavailable) and now is not None:
                return replace(item, outcome=t(lang, "requests.refused.unknown"), outcome_good=False)
            if now is not None and now.waiting_for_recipient:
                name = _recipient_name(item)
                return replace(item, outcome=t(lang, "requests.refused.waiting", name=name), outcome_good=False)
            if "shiftrequestscannotbeactedupon" in codes:  # not pending any more, though we could not read it
                return replace(item, outcome=t(lang, "requests.already.decided"), outcome_good=False, action_data=None)
        return replace(item, outcome=explain(error, lang), outcome_good=False, reference=ref)

    # --- storage -------------------------------------------------------------------------------------------
    async def _save(self, view: InboxView, turn: Turn) -> None:
        record = {"owner": turn.user.aad_object_id, "conversation": turn.conversation_id, "view": asdict(view)}
        expires = time.time() + INBOX_DAYS * 86400
        await self.services.storage.create(INBOX_KEY + view.inbox_id, record, expires_at=expires)

    async def _load(self, inbox_id: str) -> tuple[tuple[str, str], InboxView] | None:
        if not inbox_id:
            return None
        found = await self.services.storage.get(INBOX_KEY + inbox_id)
        if found is None:
            return None
        owner = (str(found.value.get("owner")), str(found.value.get("conversation")))
        return owner, view_of(found.value["view"])

    async def _record(self, inbox_id: str, outcome: RequestItem) -> InboxView:
        """The outcome written into the stored list; a conditional replace, so two presses on two requests of the
        same list (or two instances) never lose each other's outcome."""
        while True:
            found = await self.services.storage.get(INBOX_KEY + inbox_id)
            if found is None:
                raise LookupError("the requests list expired meanwhile")
            view = view_of(found.value["view"])
            items = [outcome if i.request_id == outcome.request_id else i for i in view.items]
            view = replace(view, items=items, notes=[])
            changed = {**found.value, "view": asdict(view)}
            expires = time.time() + INBOX_DAYS * 86400
            if await self.services.storage.replace(INBOX_KEY + inbox_id, changed, found.etag, expires_at=expires):
                return view


def _same(a: str, b: str) -> bool:
    return bool(a) and a.lower() == b.lower()


def _message(data: dict[str, Any], input_id: str) -> str:
    value = data.get(input_id) if input_id else None
    return value.strip()[:MAX_MESSAGE] if isinstance(value, str) else ""


def _recipient_name(item: RequestItem) -> str:
    return str((item.action_data or {}).get("recipientName") or "")


def _team_name(item: RequestItem) -> str:
    return str((item.action_data or {}).get("teamName") or "")


def explain(error: GraphError, lang: Lang, busy: str = "requests.refused.busy") -> str:
    """`busy`: the message key for a busy Graph, with a `_for` twin that says how long to wait."""
    if isinstance(error, GraphThrottled) or (isinstance(error, GraphUnavailable) and error.status == 503):
        if error.retry_after:
            return t(lang, f"{busy}_for", wait=i18n.wait_of(lang, error.retry_after))
        return t(lang, busy)
    return t(lang, "requests.refused.failed", code=error.inner_code or error.code or error.status)


def stale(lang: Lang) -> Reply:
    return Reply.in_place(notice_card(lang, t(lang, "app.name"), [t(lang, "notice.stale")]))


def view_of(raw: dict[str, Any]) -> InboxView:
    items = [
        RequestItem(**{**item, "lines": [Line(**line) for line in item.get("lines") or []]})
        for item in raw.get("items") or []
    ]
    return InboxView(
        inbox_id=str(raw["inbox_id"]),
        title=str(raw["title"]),
        summary=str(raw["summary"]),
        items=items,
        notes=list(raw.get("notes") or []),
    )
