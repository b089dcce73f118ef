"""The shift feature: /shift (poste, quart), the New shift card, its verbs and the member type-ahead."""

from __future__ import annotations

from typing import Any

from bot.commands import SHIFT
from bot.flows import ACTION_BUDGET_SECONDS, form_verbs
from bot.graph.client import deadline
from bot.router import Router
from bot.services import Services
from bot.shift import model as m
from bot.shift.flow import ShiftFlow
from bot.shift.members import search
from bot.turn import Reply, Turn

SEARCH_LIMIT = 15  # Teams shows at most 15 type-ahead results


def build_router(services: Services, flow: ShiftFlow | None = None) -> Router:
    flow = flow or ShiftFlow(services)
    router = Router()

    @router.command(SHIFT)
    async def open_form(turn: Turn, args: str) -> list[Reply]:
        return [await flow.start(turn, args)]

    router.include(form_verbs(flow))  # m.VERB_SUBMIT, VERB_CONFIRM, VERB_ADD, VERB_REMOVE, VERB_CANCEL

    @router.verb(m.VERB_TEAM)
    async def switch_team(turn: Turn) -> Reply:
        return await flow.switch_team(turn)

    @router.search(m.MEMBERS_DATASET)
    async def members(turn: Turn, query_text: str, query: dict[str, Any]) -> list[tuple[str, str]]:
        team_id = await flow.team_for_search(turn, query)
        if not team_id:
            return []
        options = query.get("queryOptions")
        asked = options.get("top") if isinstance(options, dict) else None
        top = asked if isinstance(asked, int) else SEARCH_LIMIT
        with deadline(ACTION_BUDGET_SECONDS):  # an invoke: Teams wants the answer within 5 s
            found = await flow.directory.members(turn.user, team_id, fresh=False)
        return [(member.name, member.user_id) for member in search(found, query_text, min(top, SEARCH_LIMIT))]

    return router
