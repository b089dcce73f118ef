"""python -m sandbox: serve the Graph sandbox and print its base URL (…/beta) on the first stdout line."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
from pathlib import Path

from aiohttp import web

from bot.auth.devkey import load_or_create_dev_key
from sandbox.app import create_sandbox_app
from sandbox.store import DEFAULT_FIXTURE


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description="Local Microsoft Graph sandbox.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8787, help="0 picks a free port")
    parser.add_argument("--db", type=Path, default=Path("data/sandbox.db"))
    parser.add_argument("--signing-key", type=Path, default=Path("data/dev-signing-key.pem"))
    parser.add_argument("--fixture", type=Path, default=DEFAULT_FIXTURE)
    parser.add_argument("--reset", action="store_true", help="reload the fixture into the db")
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    key = load_or_create_dev_key(args.signing_key)
    app = create_sandbox_app(db_path=args.db, public_key=key.public_key(), fixture_path=args.fixture, reset=args.reset)
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        await web.TCPSite(runner, args.host, args.port).start()
        host, port = runner.addresses[0][:2]
        print(f"http://{_url_host(host)}:{port}/beta", flush=True)
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(parse_args(argv)))


if __name__ == "__main__":
    main()
