"""/help, and the answer to anything the bot does not understand (a greeting gets the help card, plainly)."""

from __future__ import annotations

from bot.commands import HELP
from bot.router import Router, normalize_word, split_command
from bot.turn import Reply, Turn
from cards.common import help_card

# Said to open a conversation rather than to ask for something: answered with the help card, no "I don't know".
GREETINGS = frozenset(
    {"hi", "hello", "hey", "hiya", "good morning", "good afternoon", "good evening", "yo", "bonjour", "salut",
     "coucou", "bonsoir", "allo", "hola"}
)  # fmt: skip


def is_greeting(text: str) -> bool:
    words = " ".join(normalize_word(word) for word in text.replace(",", " ").split())
    return words.strip(" !.?") in GREETINGS


def build_router(*, sign_out: bool = True) -> Router:
    """`sign_out`: whether /signout exists here (not in dev mode)."""
    router = Router()

    @router.command(HELP)
    async def show_help(turn: Turn, args: str) -> list[Reply]:
        return [Reply.new_card(help_card(turn.lang, sign_out=sign_out))]

    @router.fallback
    async def unknown(turn: Turn, text: str) -> list[Reply]:
        if is_greeting(text):
            return [Reply.new_card(help_card(turn.lang, sign_out=sign_out))]
        word, _ = split_command(text)
        return [Reply.new_card(help_card(turn.lang, unknown_word=word[:40] or None, sign_out=sign_out))]

    return router
