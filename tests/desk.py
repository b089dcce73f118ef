"""A manager in Teams, for end-to-end tests: sends commands, reads the card, fills inputs by their labels and
presses buttons the way Teams does (the action's data merged with every input's value)."""

from __future__ import annotations

import json
from typing import Any, TypeVar

import aiohttp

from bot.auth.tokens import DevTokenProvider
from tests.cardcheck import assert_inputs_labelled, assert_valid_cards, find_input_by_label, iter_inputs
from tests.fixtures_sandbox import SandboxHandle
from tests.teams import Connector, TeamsClient, card_of

D = TypeVar("D", bound="Desk")


def texts(node: Any) -> str:
    found: list[str] = []
    if isinstance(node, dict):
        found += [node[k] for k in ("text", "title", "label", "value") if isinstance(node.get(k), str)]
        found += [texts(v) for k, v in node.items() if k != "data"]
    elif isinstance(node, list):
        found += [texts(item) for item in node]
    return "\n".join(s for s in found if s)


def facts_of(node: Any) -> dict[str, str]:
    """The title/value lines of a card (cards.common.facts: a bold title run, the separator run, the value run)."""
    found: dict[str, str] = {}
    if isinstance(node, dict):
        inlines = node.get("inlines") if node.get("type") == "RichTextBlock" else None
        if isinstance(inlines, list) and len(inlines) == 3 and inlines[0].get("weight") == "Bolder":
            found[inlines[0]["text"]] = inlines[2]["text"]
        for key, value in node.items():
            if key != "data":
                found.update(facts_of(value))
    elif isinstance(node, list):
        for item in node:
            found.update(facts_of(item))
    return found


def actions_of(node: Any) -> list[dict[str, Any]]:
    """Every action of a card, in ActionSets and at the bottom."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if isinstance(node.get("type"), str) and node["type"].startswith("Action."):
            found.append(node)
        for key, value in node.items():
            if key != "data":
                found += actions_of(value)
    elif isinstance(node, list):
        for item in node:
            found += actions_of(item)
    return found


def markup_holding(node: Any, value: str) -> list[str]:
    """The places where `value` would be rendered as markdown (TextBlock text, FactSet titles and values)."""
    found: list[str] = []
    if isinstance(node, dict):
        if node.get("type") == "TextBlock" and value in str(node.get("text", "")):
            found.append(str(node["text"]))
        if node.get("type") == "FactSet":
            found += [json.dumps(fact) for fact in node.get("facts", []) if value in json.dumps(fact)]
        for key, item in node.items():
            if key != "data":
                found += markup_holding(item, value)
    elif isinstance(node, list):
        for item in node:
            found += markup_holding(item, value)
    return found


def assert_shown_literally(card: dict[str, Any], value: str) -> None:
    """`value` is on the card, and only where hosts show text as written (TextRun, input values)."""
    assert value in texts(card), (value, texts(card))
    assert markup_holding(card, value) == [], markup_holding(card, value)


def message_under(card: dict[str, Any], input_id: str) -> str | None:
    """The server's message right under an input (the next element, an Attention TextBlock), if any."""

    def walk(node: Any) -> str | None:
        if isinstance(node, list):
            for index, item in enumerate(node):
                if isinstance(item, dict) and item.get("id") == input_id:
                    following = node[index + 1] if index + 1 < len(node) else {}
                    runs = following.get("inlines") or [{}] if following.get("type") == "RichTextBlock" else [{}]
                    is_error = runs[0].get("color") == "Attention"
                    return str(runs[0]["text"]) if is_error else None
                found = walk(item)
                if found is not None:
                    return found
        elif isinstance(node, dict):
            for value in node.values():
                found = walk(value)
                if found is not None:
                    return found
        return None

    return walk(card.get("body", []))


class Desk:
    """A manager in Teams: sends commands, reads the card, fills inputs by label, presses buttons."""

    def __init__(self, teams: TeamsClient, sandbox: SandboxHandle) -> None:
        self.teams = teams
        self.sandbox = sandbox
        self.card: dict[str, Any] = {}
        self.inputs: dict[str, Any] = {}
        self.seen: list[dict[str, Any]] = []

    def speak(self, lang: str) -> None:
        """From now on, the manager's Teams client is in this language ("en" or "fr")."""
        self.teams.locale = "fr-FR" if lang == "fr" else "en-US"

    async def say(self, text: str) -> dict[str, Any]:
        [reply] = await self.teams.say(text)
        card = card_of(reply)
        assert card is not None, reply
        return self.show(card)

    def show(self, card: dict[str, Any]) -> dict[str, Any]:
        self.card = card
        self.seen.append(card)
        # What the host would post back untouched: each input's current value.
        self.inputs = {str(el["id"]): str(el.get("value") or "") for el in iter_inputs(card)}
        return card

    def value(self, label: str) -> str:
        return self.inputs[find_input_by_label(self.card, label)["id"]]

    def fill(self, by_label: dict[str, str]) -> None:
        for label, value in by_label.items():
            self.inputs[find_input_by_label(self.card, label)["id"]] = value

    def action(self, title: str) -> dict[str, Any]:
        [action] = [a for a in actions_of(self.card) if a.get("title") == title]
        return action

    def data_for(self, title: str) -> tuple[str, dict[str, Any]]:
        """The invoke's verb and data as Teams builds them: the action's data merged with every input."""
        action = self.action(title)
        assert action["type"] == "Action.Execute"
        inputs = {} if action.get("associatedInputs") == "none" else self.inputs
        return action["verb"], {**action.get("data", {}), **inputs}

    async def press(self, title: str) -> dict[str, Any]:
        verb, data = self.data_for(title)
        return await self.execute(verb, data)

    async def execute(self, verb: str, data: dict[str, Any]) -> dict[str, Any]:
        body = await self.teams.execute(verb, data)
        assert body["statusCode"] == 200 and body["type"] == "application/vnd.microsoft.card.adaptive", body
        return self.show(body["value"])

    def error(self, label: str) -> str | None:
        """The server's message beside the input with this label, if any."""
        return message_under(self.card, find_input_by_label(self.card, label)["id"])

    def check_cards(self) -> None:
        assert_valid_cards(*self.seen)
        for card in self.seen:
            assert_inputs_labelled(card)


async def start_desk(
    desk_class: type[D],
    bot_factory: Any,
    connector: Connector,
    http: aiohttp.ClientSession,
    sandbox: SandboxHandle,
    **settings: Any,
) -> D:
    """The real bot on a real socket, acting against the sandbox, and a manager talking to it."""
    server = await bot_factory(
        graph_base_url=sandbox.base_url, token_provider=DevTokenProvider(sandbox.key), **settings
    )
    teams = TeamsClient(bot_url=str(server.make_url("")).rstrip("/"), connector=connector, session=http)
    return desk_class(teams, sandbox)
