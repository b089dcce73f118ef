"""What feature handlers need, built once per app from the settings."""

from __future__ import annotations

from dataclasses import dataclass

from bot.forms import FormStore
from bot.graph.client import GraphClient
from bot.outbound import Outbound
from bot.settings import Settings
from bot.storage import SqliteStorage


@dataclass
class Services:
    settings: Settings
    graph: GraphClient
    storage: SqliteStorage
    forms: FormStore
    outbound: Outbound | None = None  # messages sent outside an activity's answer (set by the edge)
