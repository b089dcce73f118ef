"""Pytest plugin for the schedule desk's tests: a manager (`week_desk`) talking over HTTP to the real bot, whose
Graph is the sandbox serving the fixture week, on a fixed "today" (`schedule_today`) two days before that week."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest

from tests.cardcheck import iter_inputs
from tests.conftest import BotFactory
from tests.desk import Desk as BaseDesk
from tests.desk import actions_of, start_desk
from tests.fixtures_sandbox import TEAM_ID, SandboxHandle
from tests.teams import Connector

SCHEDULE = f"/teams/{TEAM_ID}/schedule"
TODAY = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)  # a Wednesday; the fixture week is Mon 7 - Fri 11 December 2026


class ScheduleDesk(BaseDesk):
    copy_press: tuple[str, dict[str, Any]] = ("", {})

    async def shifts(self) -> list[dict[str, Any]]:
        return list((await self.sandbox.call("GET", f"{SCHEDULE}/shifts")).body["value"])

    async def writes(self) -> list[dict[str, Any]]:
        return [r for r in await self.sandbox.requests() if r["method"] in ("POST", "PUT", "DELETE")]

    def pick(self, *words: str) -> str:
        """Chooses, in the shift picker, the shift whose title has all these words; returns its id."""
        [picker] = [el for el in iter_inputs(self.card) if el["id"] == "schedule.pick"]
        [choice] = [c for c in picker["choices"] if all(w in c["title"] for w in words)]
        self.inputs["schedule.pick"] = choice["value"]
        return str(choice["value"])

    async def press_stale(self, title: str) -> dict[str, Any]:
        """Presses a button of the card before the last one (a second press of a stale copy)."""
        previous = self.seen[-2]
        [action] = [a for a in actions_of(previous) if a.get("title") == title]
        return await self.execute(action["verb"], {**action.get("data", {}), **self.inputs})


@pytest.fixture
def schedule_today(monkeypatch: pytest.MonkeyPatch) -> datetime:
    monkeypatch.setattr("bot.schedule.desk.utc_now", lambda: TODAY)
    return TODAY


@pytest.fixture
async def week_desk(
    bot_factory: BotFactory,
    connector: Connector,
    http: aiohttp.ClientSession,
    week_sandbox: SandboxHandle,
    schedule_today: datetime,
) -> ScheduleDesk:
    return await start_desk(ScheduleDesk, bot_factory, connector, http, week_sandbox)
