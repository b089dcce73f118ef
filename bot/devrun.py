"""`make run`: the Graph sandbox, the bot (AUTH_MODE=dev) and the Agents Playground, together.

Prints the three URLs, stops all three on Ctrl-C (or when one of them dies)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PLAYGROUND_CLI = ROOT / "node_modules" / "@microsoft" / "m365agentsplayground" / "cli.js"
# The Playground always says locale en-US; Teams says the user's language. With PLAYGROUND_LOCALE=fr-FR the
# Playground talks to the bot through the e2e tests' relay, which writes that locale into every activity.
RELAY_SCRIPT = (
    "import {startLocaleRelay} from './tests/e2e/lib/relay.mjs';"
    "const relay = await startLocaleRelay(process.argv[1]); relay.locale = process.argv[2]; console.log(relay.url);"
)


def _wait_for(url: str, name: str, proc: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{name} exited with code {proc.returncode} while starting")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{name} did not answer at {url} within {seconds:.0f} s")


def busy_ports(ports: dict[str, int]) -> list[str]:
    """The variables (BOT_PORT, …) whose port something already listens on. The Playground listens on all
    interfaces and, when its port is taken, silently moves to another one: so every port is checked here first,
    on all interfaces, and the busy one is named."""
    busy = []
    for name, port in ports.items():
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("0.0.0.0", port))
            except OSError:
                busy.append(f"{name}={port}")
    return busy


def _stop_on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # stop the children as Ctrl-C does


def main() -> int:
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    bot_port = int(os.environ.get("BOT_PORT", "3978"))
    sandbox_port = int(os.environ.get("SANDBOX_PORT", "8787"))
    playground_port = int(os.environ.get("PLAYGROUND_PORT", "56150"))
    busy = busy_ports({"BOT_PORT": bot_port, "SANDBOX_PORT": sandbox_port, "PLAYGROUND_PORT": playground_port})
    if busy:
        print(
            f"make run: port {' and '.join(busy)} is already in use (another `make run`?). Stop what uses it, or "
            "choose another port, e.g. `make run BOT_PORT=3979 SANDBOX_PORT=8788 PLAYGROUND_PORT=56151`.",
            file=sys.stderr,
        )
        return 2
    data = ROOT / "data"
    data.mkdir(exist_ok=True)
    key = str(data / "dev-signing-key.pem")
    graph = f"http://127.0.0.1:{sandbox_port}/beta"
    py = sys.executable
    env = dict(os.environ)
    procs: list[tuple[str, subprocess.Popen[Any]]] = []

    def start(name: str, args: list[str], extra_env: dict[str, str]) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(args, cwd=ROOT, env={**env, **extra_env})
        procs.append((name, proc))
        return proc

    try:
        sandbox = start(
            "sandbox",
            [py, "-m", "sandbox", "--port", str(sandbox_port), "--db", str(data / "sandbox.db"), "--signing-key", key],
            {},
        )
        _wait_for(f"http://127.0.0.1:{sandbox_port}/_sandbox/health", "Graph sandbox", sandbox)
        bot_env = {
            "PORT": str(bot_port),
            "AUTH_MODE": "dev",
            "MicrosoftAppId": "",
            "GRAPH_BASE_URL": graph,
            "DEV_SIGNING_KEY": key,
        }
        bot = start("bot", [py, "app.py"], bot_env)
        _wait_for(f"http://127.0.0.1:{bot_port}/readyz", "bot", bot)
        if not PLAYGROUND_CLI.exists():
            raise SystemExit("The Agents Playground is not installed: run `make run` (it runs npm ci first).")
        endpoint = f"http://127.0.0.1:{bot_port}/api/messages"
        locale = os.environ.get("PLAYGROUND_LOCALE", "")
        if locale:
            relay = subprocess.Popen(
                ["node", "--input-type=module", "-e", RELAY_SCRIPT, endpoint, locale],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                text=True,
            )
            procs.append(("locale relay", relay))
            endpoint = (relay.stdout.readline() if relay.stdout else "").strip() or endpoint
        playground = start(
            "playground",
            [
                "node",
                str(PLAYGROUND_CLI),
                "-e",
                endpoint,
                "-c",
                "msteams",
                "-p",
                str(playground_port),
                "--dt",
            ],
            {"TEAMSAPPTESTER_BROWSER": "none"},
        )
        _wait_for(f"http://127.0.0.1:{playground_port}/", "Agents Playground", playground, seconds=60)
        print(
            "\nManager Desk is running:\n"
            f"  Playground (open this): http://localhost:{playground_port}\n"
            f"  Bot:                    http://localhost:{bot_port}/api/messages\n"
            f"  Graph sandbox:          {graph}\n"
            f"  Language:               {locale or 'en-US (PLAYGROUND_LOCALE=fr-FR for French)'}\n"
            f"  Time zone:              {os.environ.get('TZ') or 'this machine’s (TZ=Europe/Paris to change)'}\n"
            "Type /help in the Playground. Ctrl-C stops them all.\n",
            flush=True,
        )
        while all(proc.poll() is None for _, proc in procs):
            time.sleep(0.5)
        dead = [name for name, proc in procs if proc.poll() is not None]
        print(f"{', '.join(dead)} stopped; stopping the rest.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        for _, proc in reversed(procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
        for _, proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    sys.exit(main())
