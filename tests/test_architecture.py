"""Keeps the Bot Framework SDK at the edge: a move to the Agents SDK must stay a change of bot/teams/ only."""

from __future__ import annotations

import ast
from pathlib import Path

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
