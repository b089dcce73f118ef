"""The shift feature: command, card form, validation and Graph call."""

from __future__ import annotations

from bot.router import Router
from bot.services import Services


def build_router(services: Services) -> Router:
    return Router()
