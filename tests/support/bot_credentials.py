"""The bot's own outbound token, offline: a credential factory for `create_app(credentials_factory=...)`.

With an app id configured the SDK signs every call to the Bot Connector and to the user-token service with a
token it gets from Entra (`MicrosoftAppCredentials.get_access_token`, MSAL client credentials). Tests give it
a fixed token instead, so the local connector and the fake token service can check it arrived."""

from __future__ import annotations

import secrets

from botframework.connector.auth import MicrosoftAppCredentials, PasswordServiceClientCredentialFactory


class FixedCredentials(MicrosoftAppCredentials):
    def __init__(self, app_id: str, password: str, token: str) -> None:
        super().__init__(app_id, password)
        self._token = token

    def get_access_token(self, force_refresh: bool = False) -> str:
        return self._token


class FixedCredentialsFactory(PasswordServiceClientCredentialFactory):
    """Validates the app id as the SDK does, and hands out credentials carrying `token`."""

    def __init__(self, app_id: str, password: str, token: str | None = None) -> None:
        super().__init__(app_id, password)
        self.token = token or f"bot-outbound-{secrets.token_urlsafe(24)}"
        self.created = 0

    async def create_credentials(
        self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
    ) -> MicrosoftAppCredentials:
        if await self.is_authentication_disabled():
            return MicrosoftAppCredentials.empty()
        if not await self.is_valid_app_id(app_id):
            raise PermissionError("Invalid app_id")
        self.created += 1
        return FixedCredentials(app_id, self.password, self.token)
