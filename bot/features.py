"""The bot's whole vocabulary: every feature's router, included into one root."""

from __future__ import annotations

from bot import bookings, customer, requests, schedule, shift
from bot import help as help_feature
from bot.router import Router
from bot.services import Services


def build_root_router(services: Services) -> Router:
    root = Router()
    root.include(help_feature.build_router(sign_out=services.settings.auth_mode != "dev"))
    root.include(customer.build_router(services))
    root.include(shift.build_router(services))
    root.include(schedule.build_router(services))
    root.include(bookings.build_router(services))
    root.include(requests.build_router(services))
    return root
