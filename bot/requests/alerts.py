"""Alerts: a morning digest and short notices of new requests, sent on the manager's behalf.

- Every manager who talks to the bot in a personal chat, or installs it there, is remembered with the
  conversation reference (shared store, so every instance sees them). Channels and group chats are not used:
  a digest is for the manager's eyes.
- Graph sends no change notifications for Shifts requests, so each manager's teams are polled every
  ALERTS_POLL_SECONDS (at least 60 s; each poll is 4 GETs per owned team plus the team look-ups, far below Shifts'
  limits). A lease in the shared store makes one instance poll a manager at a time; each digest (per manager and
  local day) and each notice (per manager and request) is claimed before it is sent, so it is sent once.
- Proactive messages go through `Outbound`; `ConversationGone` (403 BotNotInConversationRoster, 404) forgets the
  manager. The clock is an argument of `tick`, so tests move through days."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from cachetools import TTLCache

from bot import i18n
from bot.auth.tokens import UserIdentity
from bot.i18n import Lang, language_of, t, tn
from bot.outbound import ConversationGone, ConversationRef
from bot.requests.claims import Claims
from bot.requests.describe import kind_of, name_of, what_of
from bot.requests.model import COLLECTIONS, ChangeRequest, Span, TeamInbox
from bot.requests.service import RequestsService
from bot.requests.strings import day, shift_text, time_range, zone_of
from bot.services import Services
from bot.shift.directory import TeamOption
from bot.shift.timezones import load_zone
from bot.turn import Reply, Turn
from cards.common import notice_card
from cards.requests import DigestView, digest_card

log = logging.getLogger("managerdesk.alerts")

Clock = Callable[[], datetime]
OWNED_TEAMS_TTL = 3600.0
RETRY_SECONDS = 600.0  # a digest or notices that failed to go out are tried again after this
DIGEST_WINDOW = timedelta(hours=3)  # a digest not sent by then (bot down all morning) is skipped, not sent late

i18n.register(
    en={
        "alerts.on": "Alerts are on: a digest every morning at {time} ({zone}) and a short notice soon after a new "
        "request arrives.",
        "alerts.off": "Alerts are off. Type /alerts on to get them again.",
        "alerts.status_on": "Alerts are on (digest at {time}, {zone}). Type /alerts off to stop them.",
        "alerts.status_off": "Alerts are off. Type /alerts on to start them.",
        "alerts.personal_only": "Alerts are sent in your personal chat with Manager Desk. Open it and type /alerts "
        "there.",
        "alerts.usage": "Type /alerts on or /alerts off.",
        "alerts.title": "Alerts",
        "alerts.digest_title": "Your morning at a glance",
        "alerts.pending.one": "{count} request waiting for you",
        "alerts.pending.other": "{count} requests waiting for you",
        "alerts.pending.many": "{count} requests waiting for you",
        "alerts.open.one": "{count} open shift still unfilled today or tomorrow",
        "alerts.open.other": "{count} open shifts still unfilled today or tomorrow",
        "alerts.open.many": "{count} open shifts still unfilled today or tomorrow",
        "alerts.drafts.one": "{count} draft not yet published for next week ({start} – {end})",
        "alerts.drafts.other": "{count} drafts not yet published for next week ({start} – {end})",
        "alerts.drafts.many": "{count} drafts not yet published for next week ({start} – {end})",
        "alerts.slots.one": "{count} slot",
        "alerts.slots.other": "{count} slots",
        "alerts.slots.many": "{count} slots",
        "alerts.footer": "Type /alerts off to stop these messages.",
        "alerts.new.one": "{count} new request",
        "alerts.new.other": "{count} new requests",
        "alerts.new.many": "{count} new requests",
    },
    fr={
        "alerts.on": "Alertes activées : un résumé chaque matin à {time} ({zone}) et un court avis peu après "
        "chaque nouvelle demande.",
        "alerts.off": "Alertes coupées. Tapez /alertes on pour les réactiver.",
        "alerts.status_on": "Alertes activées (résumé à {time}, {zone}). Tapez /alertes off pour les couper.",
        "alerts.status_off": "Alertes coupées. Tapez /alertes on pour les activer.",
        "alerts.personal_only": "Les alertes arrivent dans votre conversation personnelle avec Manager Desk. "
        "Ouvrez-la et tapez /alertes.",
        "alerts.usage": "Tapez /alertes on ou /alertes off.",
        "alerts.title": "Alertes",
        "alerts.digest_title": "Votre matinée en un coup d'œil",
        "alerts.pending.one": "{count} demande vous attend",
        "alerts.pending.other": "{count} demandes vous attendent",
        "alerts.pending.many": "{count} de demandes vous attendent",
        "alerts.open.one": "{count} poste libre encore à pourvoir aujourd'hui ou demain",
        "alerts.open.other": "{count} postes libres encore à pourvoir aujourd'hui ou demain",
        "alerts.open.many": "{count} de postes libres encore à pourvoir aujourd'hui ou demain",
        "alerts.drafts.one": "{count} brouillon pas encore publié pour la semaine prochaine ({start} – {end})",
        "alerts.drafts.other": "{count} brouillons pas encore publiés pour la semaine prochaine ({start} – {end})",
        "alerts.drafts.many": "{count} de brouillons pas encore publiés pour la semaine prochaine ({start} – {end})",
        "alerts.slots.one": "{count} place",
        "alerts.slots.other": "{count} places",
        "alerts.slots.many": "{count} de places",
        "alerts.footer": "Tapez /alertes off pour ne plus recevoir ces messages.",
        "alerts.new.one": "{count} nouvelle demande",
        "alerts.new.other": "{count} nouvelles demandes",
        "alerts.new.many": "{count} de nouvelles demandes",
    },
)

_ON = frozenset({"on", "oui", "yes", "activer", "active", "start"})
_OFF = frozenset({"off", "non", "no", "desactiver", "désactiver", "couper", "stop"})


@dataclass
class Manager:
    oid: str
    tenant_id: str
    name: str
    ref: ConversationRef
    lang: Lang
    zone: str
    enabled: bool = True

    @property
    def user(self) -> UserIdentity:
        return UserIdentity(aad_object_id=self.oid, tenant_id=self.tenant_id, name=self.name)

    def to_json(self) -> dict[str, Any]:
        return {
            "oid": self.oid,
            "tenantId": self.tenant_id,
            "name": self.name,
            "ref": self.ref.to_json(),
            "lang": self.lang,
            "zone": self.zone,
            "enabled": self.enabled,
        }

    @staticmethod
    def of(data: dict[str, Any]) -> Manager:
        return Manager(
            oid=str(data["oid"]),
            tenant_id=str(data.get("tenantId") or ""),
            name=str(data.get("name") or ""),
            ref=ConversationRef.from_json(dict(data["ref"])),
            lang=language_of(str(data.get("lang") or "en")),
            zone=str(data.get("zone") or ""),
            enabled=data.get("enabled") is not False,
        )


class Alerts:
    def __init__(self, services: Services, service: RequestsService, claims: Claims, now: Clock) -> None:
        self.services = services
        self.service = service
        self.claims = claims
        self.now = now
        self.settings = services.settings
        self.digest_time = time.fromisoformat(self.settings.alerts_digest_time)
        self.instance = uuid.uuid4().hex  # holder name of this instance's leases
        self._task: asyncio.Task[None] | None = None
        # Which teams a manager owns changes rarely; looking it up costs 2 GETs per joined team, so polls reuse it.
        self._teams: TTLCache[str, list[tuple[TeamOption, str]]] = TTLCache(maxsize=10_000, ttl=OWNED_TEAMS_TTL)

    # --- who gets alerts ---------------------------------------------------------------------------------------
    async def remember(self, turn: Turn) -> None:
        """A turn observer: keeps the personal conversation's reference, language and zone up to date."""
        if turn.conversation_type != "personal" or turn.reference is None or not turn.user.aad_object_id:
            return
        known = await self.claims.manager(turn.user.aad_object_id)
        manager = Manager.of(known) if known else None
        fresh = Manager(
            oid=turn.user.aad_object_id,
            tenant_id=turn.user.tenant_id,
            name=turn.user.name,
            ref=turn.reference,
            lang=turn.lang,
            zone=str(zone_of(turn.timezone, manager.zone if manager else None)),
            enabled=manager.enabled if manager else True,
        )
        if manager is None or fresh.to_json() != manager.to_json():
            await self.claims.save_manager(fresh.oid, fresh.to_json())

    async def command(self, turn: Turn, args: str) -> Reply:
        """/alerts on|off (alertes): per manager."""
        lang, title = turn.lang, t(turn.lang, "alerts.title")
        known = await self.claims.manager(turn.user.aad_object_id) if turn.conversation_type == "personal" else None
        if known is None:
            return Reply.new_card(notice_card(lang, title, [t(lang, "alerts.personal_only")]))
        manager = Manager.of(known)
        word = args.strip().split()[0].casefold() if args.strip() else ""
        when = {"time": self.settings.alerts_digest_time, "zone": manager.zone}
        if word in _ON or word in _OFF:
            manager.enabled = word in _ON
            await self.claims.save_manager(manager.oid, manager.to_json())
            line = t(lang, "alerts.on", **when) if manager.enabled else t(lang, "alerts.off")
        elif word:
            line = t(lang, "alerts.usage")
        else:
            line = t(lang, "alerts.status_on", **when) if manager.enabled else t(lang, "alerts.status_off")
        return Reply.new_card(notice_card(lang, title, [line]))

    # --- the background loop -----------------------------------------------------------------------------------
    async def start(self) -> None:
        if self.settings.alerts_tick_seconds > 0 and self._task is None:
            self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _loop(self) -> None:
        while True:
            try:
                await self.tick(self.now())
            except Exception:
                log.exception("alerts tick failed")
            await asyncio.sleep(self.settings.alerts_tick_seconds)

    async def tick(self, now: datetime) -> None:
        """One round over every manager: the digest if it is due, new-request notices if the poll is due."""
        outbound = self.services.outbound
        if outbound is None:
            return
        for data in await self.claims.managers():
            manager = Manager.of(data)
            if not manager.enabled:
                continue
            try:
                await self._digest(manager, now)
                await self._notices(manager, now)
            except ConversationGone:
                log.info("alerts: conversation gone, reference forgotten")
                await self.claims.forget_manager(manager.oid)
            except Exception as error:  # one manager's failure (token, Graph) must not stop the others
                log.warning("alerts failed for a manager type=%s", type(error).__name__)

    # --- the digest ----------------------------------------------------------------------------------------
    async def _digest(self, manager: Manager, now: datetime) -> None:
        zone = load_zone(manager.zone)
        local = now.astimezone(zone)
        due = datetime.combine(local.date(), self.digest_time, zone)
        if not due <= local < due + DIGEST_WINDOW:
            return
        key = f"digest:{manager.oid}:{local.date().isoformat()}".lower()
        if not await self.claims.claim(key, self.instance, now=now.timestamp()):
            return
        try:
            view = await self.digest(manager, local)
            if view is not None:
                await self._send(manager, digest_card(view, manager.lang))
        except ConversationGone:
            raise
        except Exception:
            # Another tick (or instance) tries again, later: a failing Graph or token is not hammered every tick.
            await self.claims.release(key, self.instance)
            await self.claims.claim(key, self.instance, RETRY_SECONDS, now=now.timestamp())
            raise

    async def digest(self, manager: Manager, local: datetime) -> DigestView | None:
        """Pending requests, open shifts unfilled today and tomorrow, drafts of next week; None when all are empty."""
        lang, zone = manager.lang, load_zone(manager.zone)
        pending: list[str] = []
        open_lines: list[str] = []
        drafts: list[str] = []
        week_start = local.date() + timedelta(days=7 - local.weekday())
        week = (_midnight(week_start, zone), _midnight(week_start + timedelta(days=7), zone))
        soon = (_midnight(local.date(), zone), _midnight(local.date() + timedelta(days=2), zone))
        for team, team_zone in await self.service.owned_teams(manager.user):
            inbox = await self.service.inbox(manager.user, team, team_zone)
            pending += [_line(inbox, request, zone, lang) for request in inbox.requests]
            for span in await self.service.open_shifts(manager.user, team.team_id):
                if span.open_slots > 0 and soon[0] <= span.start < soon[1]:
                    slots = tn(lang, "alerts.slots", span.open_slots)
                    open_lines.append(f"{team.name}: {_shift(span, zone, lang)}, {slots}")
            team_drafts = await self.service.drafts_between(manager.user, team.team_id, *week)
            if team_drafts and not inbox.names:
                await self._describe_team(manager, inbox)
            drafts += [f"{team.name}: {name_of(inbox, s.user_id)}, {_shift(s, zone, lang)}" for s in team_drafts]
        if not (pending or open_lines or drafts):
            return None
        sections = []
        if pending:
            sections.append((tn(lang, "alerts.pending", len(pending)), pending))
        if open_lines:
            sections.append((tn(lang, "alerts.open", len(open_lines)), open_lines))
        if drafts:
            end = week_start + timedelta(days=6)
            title = tn(lang, "alerts.drafts", len(drafts), start=day(week_start, lang), end=day(end, lang))
            sections.append((title, drafts))
        return DigestView(t(lang, "alerts.digest_title"), sections, t(lang, "alerts.footer"))

    # --- notices of new requests -------------------------------------------------------------------------
    async def _notices(self, manager: Manager, now: datetime) -> None:
        lease = f"poll:{manager.oid}".lower()
        ttl = max(self.settings.alerts_poll_seconds - 1, 1)
        if not await self.claims.claim(lease, self.instance, ttl, now=now.timestamp()):
            return
        new: list[tuple[TeamInbox, ChangeRequest]] = []
        for team, team_zone in await self._owned_teams(manager):
            new += await self._unseen(manager, team, team_zone)
        # The requests pending at the first poll that went through are not "new": they are marked told, silently.
        first_poll = await self.claims.claim(f"primed:{manager.oid}".lower(), self.instance)
        if first_poll or not new:
            return
        lang, zone = manager.lang, load_zone(manager.zone)
        lines = []
        for inbox, request in new:
            if not inbox.names:
                await self._describe_team(manager, inbox)
            lines.append(_line(inbox, request, zone, lang))
        view = DigestView(tn(lang, "alerts.new", len(lines)), [("", lines)], t(lang, "alerts.footer"))
        try:
            await self._send(manager, digest_card(view, lang))
        except Exception:
            for _, request in new:  # not told: the next poll tries again
                await self.claims.release(self._notice_key(manager, request), self.instance)
            raise

    async def _owned_teams(self, manager: Manager) -> list[tuple[TeamOption, str]]:
        if manager.oid not in self._teams:
            self._teams[manager.oid] = await self.service.owned_teams(manager.user)
        return self._teams[manager.oid]

    async def _unseen(self, manager: Manager, team: TeamOption, zone: str) -> list[tuple[TeamInbox, ChangeRequest]]:
        """The pending requests this manager was not told about yet, each claimed so it is told once."""
        inbox = TeamInbox(team.team_id, team.name, zone)
        for collection in COLLECTIONS:
            inbox.requests += await self.service.pending(manager.user, team.team_id, collection)
        found = []
        for request in inbox.requests:
            if await self.claims.claim(self._notice_key(manager, request), self.instance):
                found.append((inbox, request))
        return found

    @staticmethod
    def _notice_key(manager: Manager, request: ChangeRequest) -> str:
        return f"notice:{manager.oid}:{request.request_id}".lower()

    async def _describe_team(self, manager: Manager, inbox: TeamInbox) -> None:
        members = await self.service.directory.members(manager.user, inbox.team_id, fresh=False)
        inbox.names = {member.user_id: member.name for member in members}
        inbox.reasons = {r.reason_id: r for r in await self.service.reasons(manager.user, inbox.team_id)}
        inbox.shifts = {s.item_id: s for s in await self.service.shifts(manager.user, inbox.team_id, inbox.requests)}
        inbox.open_shifts = {s.item_id: s for s in await self.service.open_shifts(manager.user, inbox.team_id)}

    async def _send(self, manager: Manager, card: dict[str, Any]) -> None:
        outbound = self.services.outbound
        if outbound is not None:
            await outbound.send(manager.ref, Reply.new_card(card))


def _midnight(on: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(on, time(0, 0), zone).astimezone(UTC)


def _shift(span: Span, zone: ZoneInfo, lang: Lang) -> str:
    return shift_text(span.label, span.start, span.end, zone, lang)


def _line(inbox: TeamInbox, request: ChangeRequest, zone: ZoneInfo, lang: Lang) -> str:
    text = f"{kind_of(request, lang)} · {name_of(inbox, request.sender_id)}: {what_of(inbox, request, zone, lang)}"
    if request.start is not None and request.end is not None:
        text += f", {time_range(request.start, request.end, zone, lang)}"
    return text
