"""The requests feature: /requests (demandes) with Approve and Decline, /timeoff (absence), and the alerts
(/alerts, alertes): a morning digest and new-request notices sent on the manager's behalf."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.commands import ALERTS, REQUESTS, TIMEOFF
from bot.requests.alerts import Alerts
from bot.requests.claims import Claims
from bot.requests.inbox import Inbox
from bot.requests.service import RequestsService
from bot.requests.timeoff import Clock, TimeOffDesk
from bot.router import Router
from bot.services import Services
from bot.turn import Reply, Turn
from cards.requests import VERB_APPROVE, VERB_DECLINE, VERB_OPEN_INBOX


def build_router(services: Services, now: Clock | None = None) -> Router:
    clock: Clock = now or (lambda: datetime.now(UTC))
    service = RequestsService(services.graph)
    claims = Claims(services.storage)
    inbox = Inbox(services, service, claims)
    time_off = TimeOffDesk(service, claims, clock)
    alerts = Alerts(services, service, claims, clock)
    services.jobs.append(alerts)
    router = Router()
    router.observe(alerts.remember)

    @router.command(ALERTS)
    async def set_alerts(turn: Turn, args: str) -> list[Reply]:
        return [await alerts.command(turn, args)]

    @router.command(TIMEOFF)
    async def book_time_off(turn: Turn, args: str) -> list[Reply]:
        return [await time_off.book(turn, args)]

    @router.command(REQUESTS)
    async def show_requests(turn: Turn, args: str) -> list[Reply]:
        return [await inbox.open(turn)]

    @router.verb(VERB_OPEN_INBOX)
    async def open_inbox(turn: Turn) -> Reply:
        return await inbox.open(turn)

    @router.verb(VERB_APPROVE)
    async def approve(turn: Turn) -> Reply:
        return await inbox.decide(turn, "approve")

    @router.verb(VERB_DECLINE)
    async def decline(turn: Turn) -> Reply:
        return await inbox.decide(turn, "decline")

    return router
