"""Manager Desk: the bot's web server. Configuration comes from the environment (see .env.example).

python app.py                                    one process, for development (`make run` uses bot.devrun)
gunicorn --config gunicorn.conf.py app:serve     production: aiohttp's gunicorn worker, graceful restarts
"""

from __future__ import annotations

import sys

from aiohttp import web

from bot.observability import configure_logging
from bot.settings import ConfigError, Settings, load_settings


async def build_app(settings: Settings) -> web.Application:
    """The one place both servers get the bot's application from (its routes live in the Teams edge)."""
    configure_logging(settings)
    from bot.teams.app import create_app  # imports the cards' models and the edge: only after the settings are good

    return await create_app(settings)


async def serve() -> web.Application:
    """The app factory gunicorn's aiohttp worker awaits in each worker process (after the fork). A bad setting
    stops the worker before it binds, and gunicorn then stops with the message in its log."""
    try:
        return await build_app(load_settings())
    except (ConfigError, NotImplementedError) as error:
        print(error, file=sys.stderr, flush=True)
        raise


def main() -> int:
    try:
        settings = load_settings()
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2

    try:
        web.run_app(build_app(settings), host=settings.host, port=settings.port, print=None)
    except (ConfigError, NotImplementedError) as error:  # e.g. AUTH_MODE=sso without OAUTH_CONNECTION_NAME
        print(error, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
