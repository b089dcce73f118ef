"""The local run tells the truth: `make run` names a busy port before starting anything; in dev mode there is no
/signout to offer; a greeting is answered with the help card, in English and French."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from bot.devrun import ROOT, busy_ports
from cards.common import help_card
from tests.desk import texts
from tests.teams import TeamsClient, card_of


def test_a_busy_port_is_named_and_free_ones_are_not() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = holder.getsockname()[1]
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as free:
            free.bind(("127.0.0.1", 0))
            unused = free.getsockname()[1]
        assert busy_ports({"PLAYGROUND_PORT": taken, "BOT_PORT": unused}) == [f"PLAYGROUND_PORT={taken}"]


def test_make_run_stops_before_starting_anything_when_a_port_is_busy() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("0.0.0.0", 0))
        holder.listen()
        taken = holder.getsockname()[1]
        env = {"PATH": "/usr/bin:/bin", "BOT_PORT": str(taken), "SANDBOX_PORT": "0", "PLAYGROUND_PORT": "0"}
        run = subprocess.run(
            [sys.executable, "-m", "bot.devrun"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=30
        )
    assert run.returncode == 2
    assert f"port BOT_PORT={taken} is already in use" in run.stderr


@pytest.mark.parametrize("text", ["hi", "Hello!", "bonjour", "Salut", "allô"])
async def test_a_greeting_is_answered_with_the_help_card(teams: TeamsClient, text: str) -> None:
    teams.locale = "fr-FR" if text.lower().startswith(("b", "s", "a")) else "en-US"
    [reply] = await teams.say(text)
    shown = texts(card_of(reply))
    assert "/customer" in shown or "/client" in shown
    assert "I don't know" not in shown and "Je ne connais pas" not in shown


@pytest.mark.parametrize("locale", ["en-US", "fr-FR"])
async def test_dev_mode_offers_no_signout(teams: TeamsClient, locale: str) -> None:
    teams.locale = locale
    [reply] = await teams.say("/help")
    shown = texts(card_of(reply))
    assert "/signout" not in shown and "/déconnexion" not in shown
    assert "/help" in shown or "/aide" in shown


def test_signout_is_offered_when_there_is_a_sign_in() -> None:
    assert "/signout" in texts(help_card("en", sign_out=True))
    assert "/déconnexion" in texts(help_card("fr", sign_out=True))
    assert "/signout" not in texts(help_card("en", sign_out=False))
