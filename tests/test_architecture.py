"""Keeps the Bot Framework SDK at the edge: a move to the Agents SDK must stay a change of bot/teams/ only."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import BotFactory

ROOT = Path(__file__).resolve().parent.parent
SDK_PACKAGES = ("botbuilder", "botframework", "msrest")
EDGE = ROOT / "bot" / "teams"


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_only_the_teams_edge_imports_the_bot_framework_sdk() -> None:
    sources = [*ROOT.glob("bot/**/*.py"), *ROOT.glob("cards/**/*.py"), *ROOT.glob("sandbox/**/*.py"), ROOT / "app.py"]
    offenders = [
        str(path.relative_to(ROOT))
        for path in sources
        if EDGE not in path.parents and imported_packages(path) & set(SDK_PACKAGES)
    ]
    assert offenders == []
    edge_imports = set().union(*(imported_packages(path) for path in EDGE.glob("*.py")))
    assert {"botbuilder", "botframework", "msrest"} <= edge_imports


def test_every_string_exists_in_english_and_french() -> None:
    import bot.features  # noqa: F401  (registers every feature's strings)
    from bot import i18n

    for key in i18n.keys():
        assert i18n.t("en", key) and i18n.t("fr", key), key


def test_cards_import_no_flow() -> None:
    """cards/ builds cards from view models and the locale: never from bot.flows or a feature's flow."""
    offenders = {
        str(path.relative_to(ROOT)): sorted(modules)
        for path in ROOT.glob("cards/**/*.py")
        if (modules := {m for m in imported_modules(path) if m == "bot.flows" or m.endswith(".flow")})
    }
    assert offenders == {}


async def test_form_verbs_are_registered_once_for_every_form(bot_factory: BotFactory) -> None:
    """Each form's submit/confirm/add/remove/cancel come from the shared form machinery (bot.flows.form_verbs)."""
    from bot.customer.flow import CustomerFlow
    from bot.features import build_root_router
    from bot.shift import model as shift_model
    from bot.shift.flow import ShiftFlow
    from bot.teams.app import SERVICES_KEY
    from cards import customer

    server = await bot_factory()
    verbs = build_root_router(server.app[SERVICES_KEY]).verbs
    for kind in (CustomerFlow.kind, ShiftFlow.kind):
        assert {f"{kind}.{verb}" for verb in ("submit", "confirm", "add", "remove", "cancel")} <= verbs
    assert {customer.SUBMIT, customer.CONFIRM, customer.ADD, customer.REMOVE, customer.CANCEL} <= verbs
    card_verbs = (shift_model.VERB_SUBMIT, shift_model.VERB_CONFIRM, shift_model.VERB_ADD, shift_model.VERB_REMOVE)
    assert {*card_verbs, shift_model.VERB_CANCEL} <= verbs
    for init in ROOT.glob("bot/*/__init__.py"):
        source = init.read_text(encoding="utf-8")
        assert "flow.submit(" not in source and "flow.edit(" not in source, init.parent.name


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found
