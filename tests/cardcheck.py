"""Adaptive Card checks for the test suite.

`card_errors` / `assert_valid_cards` run the official parser (npm `adaptivecards`, through tools/cardcheck.js)
in one node process per call; `assert_inputs_labelled` / `find_input_by_label` are pure-Python walks of a card.

The node side is not optional: if node or node_modules is missing these helpers raise (they never skip), because
`make test` installs node_modules first and a silently skipped card check would hide broken cards.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tools" / "cardcheck.js"
PACKAGE = ROOT / "node_modules" / "adaptivecards" / "dist" / "adaptivecards.js"
TIMEOUT_SECONDS = 60

# Keys whose values are data, not card structure: Action.Submit/Execute `data`, Teams' `msteams` extras.
_DATA_KEYS = frozenset({"data", "msteams"})


class CardCheckUnavailable(RuntimeError):
    """node or the npm package is missing: the environment is broken, not the card."""


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        raise CardCheckUnavailable("cardcheck: `node` is not on PATH; Node 20 is required to validate cards")
    if not PACKAGE.is_file():
        raise CardCheckUnavailable(
            f"cardcheck: {PACKAGE.relative_to(ROOT)} is missing; run `npm ci --no-audit --no-fund` "
            "(or `make node-deps`) in the repository root"
        )
    return node


def _format(error: dict[str, Any]) -> str:
    source = f" [{error['source']}]" if error.get("source") else ""
    return f"{error['phase']}: {error['message']}{source}"


def card_errors(cards: list[dict]) -> list[list[str]]:
    """Errors for each card, in order (an empty list for a valid card). One node process for the whole batch."""
    if not cards:
        return []
    proc = subprocess.run(
        [_node(), str(SCRIPT)],
        input=json.dumps(list(cards)),
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        cwd=ROOT,
        check=False,
    )
    if proc.returncode != 0:
        raise CardCheckUnavailable(f"cardcheck.js exited with {proc.returncode}: {proc.stderr.strip()}")
    results = json.loads(proc.stdout)
    if len(results) != len(cards):
        raise CardCheckUnavailable(f"cardcheck.js returned {len(results)} results for {len(cards)} cards")
    return [[_format(e) for e in errors] for errors in results]


def assert_valid_cards(*cards: dict) -> None:
    """Raise AssertionError listing every error of every invalid card."""
    report = []
    for index, errors in enumerate(card_errors(list(cards))):
        if errors:
            lines = "\n".join(f"    - {e}" for e in errors)
            report.append(f"  card #{index}{_describe(cards[index])}:\n{lines}")
    if report:
        raise AssertionError("invalid Adaptive Card(s):\n" + "\n".join(report))


def _describe(card: Any) -> str:
    """A hint at which card this is: the first TextBlock's text."""
    for element in _walk(card):
        if element.get("type") == "TextBlock" and isinstance(element.get("text"), str):
            return f" ({element['text'][:60]!r})"
    return ""


def _walk(node: Any) -> Iterator[dict]:
    """Every object with a `type` in a card: body, Container items, ColumnSet columns, Column items, ActionSet
    and card actions, Action.ShowCard cards, selectAction, fallback elements, Table rows and cells, ..."""
    if isinstance(node, dict):
        if isinstance(node.get("type"), str):
            yield node
        for key, value in node.items():
            if key not in _DATA_KEYS:
                yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


def iter_inputs(card: dict) -> Iterator[dict]:
    """Every Input.* element of a card, nested ones included, in document order."""
    for element in _walk(card):
        if element["type"].startswith("Input."):
            yield element


def assert_inputs_labelled(card: dict) -> None:
    """Every Input.* has a non-empty `label` (Teams shows it above the field; screen readers announce it)."""
    unlabelled = [
        f"{element['type']} id={element.get('id')!r}"
        for element in iter_inputs(card)
        if not (isinstance(element.get("label"), str) and element["label"].strip())
    ]
    if unlabelled:
        raise AssertionError("inputs without a label: " + ", ".join(unlabelled))


def find_input_by_label(card: dict, label: str) -> dict:
    """The one Input.* whose label is exactly `label`, or `label` marked required ("Name (required)",
    "Nom (obligatoire)"); AssertionError if there is none or more than one."""
    inputs = list(iter_inputs(card))
    accepted = {label, f"{label} (required)", f"{label} (obligatoire)"}
    found = [element for element in inputs if element.get("label") in accepted]
    if len(found) != 1:
        labels = [element.get("label") for element in inputs]
        raise AssertionError(f"expected exactly one input labelled {label!r}, found {len(found)}; labels: {labels}")
    return found[0]
