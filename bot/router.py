"""Handlers declared by command word or card verb; one router per feature, included into the app's root.

Text commands: the first word (a leading `/` is optional, case and accents ignored) picks the handler; the
rest of the text is handed over as `args`. Card actions: the `verb` picks the handler."""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from bot.commands import Command
from bot.turn import Reply, Turn

CommandHandler = Callable[[Turn, str], Awaitable[list[Reply]]]
VerbHandler = Callable[[Turn], Awaitable[Reply]]
SearchHandler = Callable[[Turn, str, dict[str, Any]], Awaitable[list[tuple[str, str]]]]
Observer = Callable[[Turn], Awaitable[None]]  # sees every turn first (e.g. keeps a conversation reference)
H = TypeVar("H")

log = logging.getLogger("managerdesk.router")


class UnknownVerb(LookupError):
    pass


class Router:
    def __init__(self) -> None:
        self._commands: dict[str, CommandHandler] = {}
        self._verbs: dict[str, VerbHandler] = {}
        self._searches: dict[str, SearchHandler] = {}
        self._fallback: CommandHandler | None = None
        self._observers: list[Observer] = []

    def command(self, command: Command) -> Callable[[CommandHandler], CommandHandler]:
        def register(handler: CommandHandler) -> CommandHandler:
            for word in command.words:
                self._add(self._commands, normalize_word(word), handler, "command")
            return handler

        return register

    def verb(self, verb: str) -> Callable[[VerbHandler], VerbHandler]:
        def register(handler: VerbHandler) -> VerbHandler:
            self._add(self._verbs, verb, handler, "verb")
            return handler

        return register

    def search(self, dataset: str) -> Callable[[SearchHandler], SearchHandler]:
        def register(handler: SearchHandler) -> SearchHandler:
            self._add(self._searches, dataset, handler, "search dataset")
            return handler

        return register

    def observe(self, observer: Observer) -> Observer:
        """Called with every text, action and install turn before its handler; its failures are only logged."""
        self._observers.append(observer)
        return observer

    async def notify_observers(self, turn: Turn) -> None:
        for observer in self._observers:
            try:
                await observer(turn)
            except Exception:
                log.exception("turn observer failed")

    async def handle_install(self, turn: Turn) -> None:
        """The bot was added to a conversation."""
        await self.notify_observers(turn)

    def fallback(self, handler: CommandHandler) -> CommandHandler:
        """Answers text that names no known command. One per app: a second one is refused."""
        self._set_fallback(handler)
        return handler

    def include(self, other: Router) -> None:
        for word, command in other._commands.items():
            self._add(self._commands, word, command, "command")
        for verb, action in other._verbs.items():
            self._add(self._verbs, verb, action, "verb")
        for dataset, search in other._searches.items():
            self._add(self._searches, dataset, search, "search dataset")
        if other._fallback is not None:
            self._set_fallback(other._fallback)
        self._observers.extend(other._observers)

    def _set_fallback(self, handler: CommandHandler) -> None:
        if self._fallback is not None and self._fallback is not handler:
            raise ValueError("the fallback for unknown commands is handled twice")
        self._fallback = handler

    async def handle_text(self, turn: Turn) -> list[Reply]:
        await self.notify_observers(turn)
        word, args = split_command(turn.text)
        handler = self._commands.get(word) or self._fallback
        if handler is None:
            return []
        return await handler(turn, args if word in self._commands else turn.text)

    async def handle_action(self, turn: Turn) -> Reply:
        await self.notify_observers(turn)
        handler = self._verbs.get(turn.verb or "")
        if handler is None:
            raise UnknownVerb(turn.verb)
        return await handler(turn)

    async def handle_search(self, turn: Turn, dataset: str, query: dict[str, Any]) -> list[tuple[str, str]]:
        handler = self._searches.get(dataset)
        if handler is None:
            raise UnknownVerb(dataset)
        return await handler(turn, str(query.get("queryText") or ""), query)

    @property
    def verbs(self) -> frozenset[str]:
        return frozenset(self._verbs)

    @staticmethod
    def _add(table: dict[str, H], key: str, handler: H, kind: str) -> None:
        if key in table and table[key] is not handler:
            raise ValueError(f"{kind} {key!r} is handled twice")
        table[key] = handler


def normalize_word(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lstrip("/")


def split_command(text: str) -> tuple[str, str]:
    """'/Customer Joni Sherman' -> ('customer', 'Joni Sherman')."""
    stripped = text.strip()
    if not stripped:
        return "", ""
    word, _, rest = stripped.partition(" ")
    return normalize_word(word), rest.strip()
