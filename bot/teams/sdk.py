"""What the edge still takes from the Bot Framework SDK: inbound authentication, the bot's credentials, and the
user-token service client (sign-in only). Each is created once per app, never per turn. Importing the SDK costs
most of a second, so this module is imported only when the bot has an app id or a request carries a token
(bot/teams/app.py `Channel`).

SDK defects worked around here (see docs/decisions.md; each has a regression test):
- Garbage or expired inbound tokens raised out of the SDK (HTTP 500): `authenticate` turns any failure to
  authenticate into `Unauthorized` (401).
- msrest's ClientRetryPolicy scans range(999) against a 500-item list twice per call: its `safe_codes` becomes
  a frozenset, same codes, O(1) lookups (still used by the user-token client during sign-in).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity
from botframework.connector.auth import (
    AuthenticationConstants,
    BotFrameworkAuthentication,
    ClaimsIdentity,
    ServiceClientCredentialsFactory,
    UserTokenClient,
)
from msrest.universal_http.requests import ClientRetryPolicy

from bot.settings import Settings
from bot.teams.activity import Unauthorized

log = logging.getLogger("managerdesk.edge")

# SDK defect: same set of codes, constant-time membership.
ClientRetryPolicy.safe_codes = frozenset(ClientRetryPolicy.safe_codes)  # type: ignore[assignment]

# The Bot Framework public cloud, spelled out for the parameterized configuration (used when OAUTH_URL is set).
PUBLIC_CLOUD = {
    "TO_CHANNEL_FROM_BOT_LOGIN_URL": "https://login.microsoftonline.com/botframework.com",
    "TO_CHANNEL_FROM_BOT_OAUTH_SCOPE": AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE,
    "TO_BOT_FROM_CHANNEL_TOKEN_ISSUER": AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER,
    "TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL": AuthenticationConstants.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL,
    "TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL": AuthenticationConstants.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL,
    "CALLER_ID": "urn:botframework:azure",
    "VALIDATE_AUTHORITY": True,
}


class AuthConfig:
    """The attribute names ConfigurationBotFrameworkAuthentication reads."""

    def __init__(self, settings: Settings, extra: dict[str, Any] | None = None) -> None:
        self.APP_ID = settings.app_id
        self.APP_PASSWORD = settings.app_password
        self.APP_TYPE = settings.app_type
        self.APP_TENANTID = settings.app_tenant_id
        if settings.oauth_url:  # setting any endpoint switches the SDK to its parameterized mode: set them all
            for name, value in PUBLIC_CLOUD.items():
                setattr(self, name, value)
            self.OAUTH_URL = settings.oauth_url
        for name, value in (extra or {}).items():
            setattr(self, name, value)


def bot_framework_authentication(
    settings: Settings,
    extra: dict[str, Any] | None = None,
    credentials_factory: ServiceClientCredentialsFactory | None = None,
) -> BotFrameworkAuthentication:
    return ConfigurationBotFrameworkAuthentication(AuthConfig(settings, extra), credentials_factory=credentials_factory)


async def authenticate(
    authentication: BotFrameworkAuthentication, activity: dict[str, Any], authorization: str
) -> ClaimsIdentity:
    """The caller's identity, or Unauthorized. Only the fields the SDK checks are given to it (the channel and
    the serviceUrl the token must name), not a deserialized activity."""
    probe = Activity(channel_id=str(activity.get("channelId") or ""), service_url=str(activity.get("serviceUrl") or ""))
    try:
        result = await authentication.authenticate_request(probe, authorization)
    except Exception as error:  # SDK defect: any failure to authenticate is a 401, never a 500
        log.warning("inbound auth refused reason=%s", type(error).__name__)
        raise Unauthorized from error
    identity: ClaimsIdentity = result.claims_identity
    return identity


class UserTokens:
    """The Bot Framework token service (sign-in only): one SDK client per bot app id, made on first use."""

    def __init__(self, authentication: Callable[[], BotFrameworkAuthentication]) -> None:
        self._authentication = authentication
        self._clients: dict[str, UserTokenClient] = {}

    async def client(self, identity: ClaimsIdentity | None) -> UserTokenClient | None:
        if identity is None:
            return None
        app_id = str(identity.get_claim_value(AuthenticationConstants.AUDIENCE_CLAIM) or "")
        if app_id not in self._clients:
            self._clients[app_id] = await self._authentication().create_user_token_client(identity)
        return self._clients[app_id]


def sdk_activity(activity: dict[str, Any]) -> Activity:
    """The SDK's model of an activity, for the token service calls that take one (sign-in only)."""
    model: Activity = Activity().deserialize(activity)
    return model
