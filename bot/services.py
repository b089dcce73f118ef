"""What feature handlers need, built once per app from the settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from bot.forms import FormStore
from bot.graph.client import GraphClient
from bot.outbound import Outbound
from bot.settings import Settings
from bot.storage import StateStore


class Job(Protocol):
    """Work the app runs in the background between its start and its shutdown (e.g. the alerts)."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@dataclass
class Services:
    settings: Settings
    graph: GraphClient
    storage: StateStore
    forms: FormStore
    outbound: Outbound | None = None  # messages sent outside an activity's answer (set by the edge)
    jobs: list[Job] = field(default_factory=list)  # started and stopped with the app
