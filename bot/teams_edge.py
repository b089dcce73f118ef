"""The Teams edge moved to the package `bot/teams/` (issue 12). This module only re-exports its public names so
that code and tests written against the old module keep importing while branches merge; new code imports from
`bot.teams.*`. It defines nothing: patching a name here changes nothing in the edge."""

from bot.features import build_root_router
from bot.teams.app import BOT_KEY, KNOWN_AUTHORITY_HOSTS, SERVICES_KEY, create_app, make_token_provider
from bot.teams.sdk import PUBLIC_CLOUD, AuthConfig
from bot.teams.turns import ManagerDeskBot

__all__ = [
    "BOT_KEY",
    "KNOWN_AUTHORITY_HOSTS",
    "PUBLIC_CLOUD",
    "SERVICES_KEY",
    "AuthConfig",
    "ManagerDeskBot",
    "build_root_router",
    "create_app",
    "make_token_provider",
]
