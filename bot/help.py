"""/help, and the answer to anything the bot does not understand."""

from __future__ import annotations

from bot.commands import HELP
from bot.router import Router, split_command
from bot.turn import Reply, Turn
from cards.common import help_card


def build_router() -> Router:
    router = Router()

    @router.command(HELP)
    async def show_help(turn: Turn, args: str) -> list[Reply]:
        return [Reply.new_card(help_card(turn.lang))]

    @router.fallback
    async def unknown(turn: Turn, text: str) -> list[Reply]:
        word, _ = split_command(text)
        return [Reply.new_card(help_card(turn.lang, unknown_word=word[:40] or None))]

    return router
