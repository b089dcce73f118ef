"""Manager Desk: start the bot's web server. Configuration comes from the environment (see .env.example)."""

from __future__ import annotations

import logging
import sys

from aiohttp import web

from bot.settings import ConfigError, load_settings


def main() -> int:
    try:
        settings = load_settings()
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    from bot.teams.app import create_app  # the SDK import costs ~1 s: only after the settings are good

    try:
        web.run_app(create_app(settings), host=settings.host, port=settings.port, print=None)
    except (ConfigError, NotImplementedError) as error:  # e.g. AUTH_MODE=sso without OAUTH_CONNECTION_NAME
        print(error, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
