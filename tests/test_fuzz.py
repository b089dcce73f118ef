"""Hostile input through the bot's HTTP interface: raw bodies, activities of every shape, card payloads with junk
inputs, mentions and labels built to be slow. Not one 5xx, not one traceback, and the bot still works after.

Size: FUZZ_CASES (default 5000); FUZZ_SEED picks another run. A message of at most 28 KB must not hold the event
loop for more than 50 ms (measured in CPU time of the loop's thread, so other processes on the machine don't count).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import time
from datetime import date
from typing import Any

import aiohttp
import pytest

from bot.mentions import strip_bot_mention
from bot.shift.members import Member, match_words
from bot.shift.parser import parse_args
from tests.conftest import BotFactory
from tests.desk import Desk, start_desk, texts
from tests.fixtures_sandbox import SandboxHandle
from tests.teams import BOT_ID, BOT_NAME, Connector

CASES = int(os.environ.get("FUZZ_CASES", "5000"))
SEED = int(os.environ.get("FUZZ_SEED", "20261202"))
LOOP_BUDGET_SECONDS = 0.05
VERBS = [
    "customer.submit",
    "customer.confirm",
    "customer.add",
    "customer.remove",
    "customer.cancel",
    "shift.submit",
    "shift.confirm",
    "shift.add",
    "shift.remove",
    "shift.cancel",
    "shift.team",
    "nope",
    "",
]


def hostile_text(rng: random.Random) -> str:
    pick = rng.randrange(12)
    size = rng.choice([1, 10, 200, 4_000, 28_000])
    if pick == 0:
        return "«" * size
    if pick == 1:
        return "<at>" * (size // 4)
    if pick == 2:
        return "/shift " + "Megan " * (size // 6)
    if pick == 3:
        return "/shift " + " ".join(
            rng.choice(["9", "9:00", "-", "à", "«", "»", "“", '"', "demain"]) for _ in range(size // 3)
        )
    if pick == 4:
        return "/customer " + "\u202e\u0000\ud7ff\U0001f600" * (size // 4)
    if pick == 5:
        return "<at>" + "a" * size + "</at" * 3
    if pick == 6:
        return "/shift «" + " " * size + "x"
    if pick == 7:
        return json.dumps({"a": [1] * (size // 4)})
    if pick == 8:
        return "/client " + "é" * size
    if pick == 9:
        return "".join(chr(rng.randrange(32, 0x3000)) for _ in range(min(size, 2000)))
    if pick == 10:
        return "/shift " + "“" * size
    return rng.choice(["help", "/help", "/shift", "/customer", "/signout", "", " ", "\n"])


def junk(rng: random.Random, depth: int = 0) -> Any:
    kinds = ["str", "int", "none", "bool", "list", "dict", "float", "long"]
    kind = rng.choice(kinds if depth < 3 else kinds[:4])
    if kind == "str":
        return rng.choice(["", "x", "../..", "%00", "\u0000", "é", "<at>", "«", "null"])
    if kind == "int":
        return rng.choice([0, -1, 2**63, 10**30])
    if kind == "float":
        return rng.choice([1e308, -0.0, 3.5])
    if kind == "none":
        return None
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "long":
        return "z" * rng.choice([100, 30_000])
    if kind == "list":
        return [junk(rng, depth + 1) for _ in range(rng.randrange(3))]
    return {
        rng.choice(["id", "name", "type", "text", "value", "data", "formId"]): junk(rng, depth + 1) for _ in range(3)
    }


def hostile_entities(rng: random.Random) -> Any:
    choices: list[Any] = [
        [{"type": "mention", "text": "<at>x</at>", "mentioned": "not an object"}],
        [{"type": "mention", "mentioned": {"id": 5, "name": ["a"]}, "text": {"x": 1}}],
        [{"type": 7}],
        ["mention"],
        [None],
        {"type": "mention"},
        [{"type": "mention", "text": f"<at>{BOT_NAME}</at>", "mentioned": {"id": BOT_ID, "name": BOT_NAME}}] * 300,
        [{"type": "mention", "text": "<at>M</at>", "mentioned": {"id": f"29:{i}", "name": "Megan"}} for i in range(50)],
        junk(rng),
    ]
    return rng.choice(choices)


def hostile_activity(rng: random.Random, base: dict[str, Any], form_ids: list[str]) -> dict[str, Any]:
    activity: dict[str, Any] = json.loads(json.dumps(base))
    kind = rng.randrange(7)
    if kind == 0:
        activity.update(type="message", text=hostile_text(rng), entities=hostile_entities(rng))
    elif kind in (1, 2, 6):
        data = {"formId": rng.choice([*form_ids, "", "x" * 100, "../form"]), "verb": rng.choice(VERBS)}
        data.update(
            {rng.choice(["group", "row", "name", "email", "date", "start", "member"]): junk(rng) for _ in range(4)}
        )
        action = {"type": "Action.Execute", "verb": data["verb"], "data": data if rng.random() < 0.9 else junk(rng)}
        activity.update(type="invoke", name="adaptiveCard/action", value={"action": action})
    elif kind == 3:
        data = {"formId": rng.choice([*form_ids, ""]), "verb": rng.choice(VERBS), "x": junk(rng)}
        activity.update(type="message", value=data if rng.random() < 0.8 else junk(rng), text=None)
    elif kind == 4:
        name = rng.choice(["application/search", "signin/verifyState", "signin/tokenExchange", "signin/failure", "x"])
        activity.update(type="invoke", name=name, value=junk(rng))
    else:
        field = rng.choice(
            ["from", "conversation", "recipient", "channelData", "locale", "localTimezone", "id", "entities"]
        )
        activity[field] = junk(rng)
        activity.setdefault("text", hostile_text(rng))
    return activity


RAW_BODIES: list[tuple[bytes, str]] = [
    (b"null", "application/json"),
    (b"", "application/json"),
    (b"[]", "application/json"),
    (b"123", "application/json"),
    (b'"x"', "application/json"),
    (b"{", "application/json"),
    (b"\xff\xfe\x00", "application/json"),
    (b"[" * 100_000, "application/json"),
    (b'{"type": "message"}', "text/plain"),
    (b'{"type": null}', "application/json"),
    (b'{"type": ["message"]}', "application/json"),
    (b'{"type": "message", "text": "' + b"a" * 1_100_000 + b'"}', "application/json"),
    (json.dumps({"type": "message", "serviceUrl": 5, "text": "/help"}).encode(), "application/json"),
]


@pytest.fixture
async def desk(
    bot_factory: BotFactory, connector: Connector, http: aiohttp.ClientSession, sandbox: SandboxHandle
) -> Desk:
    return await start_desk(Desk, bot_factory, connector, http, sandbox)


async def test_hostile_input_never_costs_a_5xx_or_a_traceback(desk: Desk, caplog: pytest.LogCaptureFixture) -> None:
    form_ids = []
    for command in ("/customer", "/shift"):
        card = await desk.say(command)
        form_ids.append(desk.data_for("Cancel")[1]["formId"])
        assert card
    base = desk.teams.base_activity("message", text="")
    url = f"{desk.teams.bot_url}/api/messages"
    statuses: dict[int, int] = {}
    examples: list[str] = []
    gate = asyncio.Semaphore(8)

    async def one(n: int) -> None:
        case_rng = random.Random(f"{SEED}-{n}")
        async with gate:
            if case_rng.random() < 0.25:
                body, content_type = case_rng.choice(RAW_BODIES)
                headers = {"Content-Type": content_type}
                if case_rng.random() < 0.2:
                    headers["Authorization"] = "Bearer \u00e9\u00ff"
                async with desk.teams.session.post(url, data=body, headers=headers) as response:
                    await response.read()
                sent = repr(body[:120])
            else:
                activity = hostile_activity(case_rng, base, form_ids)
                if case_rng.random() < 0.1:
                    conversation = activity.get("conversation")
                    if isinstance(conversation, dict):
                        conversation["id"] = case_rng.choice(["a/b/../c", "ü", "19:x@thread;messageid=1", " "])
                async with desk.teams.session.post(url, json=activity) as response:
                    await response.read()
                sent = json.dumps(activity)[:400]
            statuses[response.status] = statuses.get(response.status, 0) + 1
            if response.status >= 500:
                examples.append(f"{response.status}: {sent}")

    with caplog.at_level(logging.WARNING):
        await asyncio.gather(*(one(n) for n in range(CASES)))
        from bot.flows import FormFlow

        await FormFlow.idle()
    server_errors = {status: count for status, count in statuses.items() if status >= 500}
    assert not server_errors, (statuses, examples[:3])
    tracebacks = [r for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()]
    formatter = logging.Formatter()
    shown = [
        f"{r.getMessage()[:200]} {formatter.formatException(r.exc_info)[-700:] if r.exc_info else ''}"
        for r in tracebacks
    ]
    assert not tracebacks, sorted(set(shown))[:5]
    async with desk.teams.session.get(f"{desk.teams.bot_url}/healthz") as health:
        assert health.status == 200
    card = await desk.say("/customer Joni Sherman jonis@relecloud.com")  # and it still works
    assert "New customer" in texts(card)


MEMBERS = [Member(f"id-{n}", name) for n, name in enumerate(["Megan Bowen", "Alex Wilber", "Adele Vance"] * 40)]


@pytest.mark.parametrize(
    "text",
    [
        "«" * 28_000,
        "“" * 28_000,
        "<at>" * 7_000,
        "<at " * 7_000,
        "Megan " * 4_600,
        "Meg Al Ad " * 2_800,
        "9:00 - " * 4_000,
        "« " + " " * 27_990 + "x",
    ],
    ids=["guillemets", "curly-quotes", "at-tags", "at-unclosed", "names", "name-prefixes", "times", "spaces"],
)
def test_no_message_of_28kb_holds_the_loop_50ms(text: str) -> None:
    parse_args(text[:200], date(2026, 12, 2))  # a running bot has its parsers' caches warm: measure that
    started = time.thread_time()
    stripped = strip_bot_mention(text, [f"<at>{BOT_NAME}</at>"])
    parsed = parse_args(stripped, date(2026, 12, 2))
    match_words(parsed.words, MEMBERS)
    assert time.thread_time() - started < LOOP_BUDGET_SECONDS
