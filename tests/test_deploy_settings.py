"""Issue 16: the settings a deployment adds. A user-assigned managed identity as the bot's identity (no client
secret), with its own Entra app for Teams SSO and on-behalf-of; the log format."""

from __future__ import annotations

import pytest

from bot.settings import ConfigError, load_settings

MSI = "7a3e0c52-1111-4222-8333-944455556666"
TENANT = "9b2f6c1e-4d3a-4f8e-9a57-3c1d2e5f6a70"
SSO_APP = "0c9d8e7f-2222-4333-8444-555566667777"
STATE_KEY = {"STATE_ENCRYPTION_KEY": "k6xk3ssn0Ygw1tC0Dd3FZyR9FfUq3CNTKkMCBwmVBsc="}  # required outside dev mode
MANAGED = {"MicrosoftAppType": "UserAssignedMSI", "MicrosoftAppId": MSI, "MicrosoftAppTenantId": TENANT}


def test_a_managed_identity_bot_needs_no_client_secret() -> None:
    s = load_settings({**MANAGED, "AUTH_MODE": "dev"})
    assert (s.app_type, s.app_id, s.app_password) == ("UserAssignedMSI", MSI, "")


def test_sign_in_with_a_managed_identity_uses_the_sso_app_not_the_identity() -> None:
    s = load_settings({**MANAGED, "SSO_APP_ID": SSO_APP, "SSO_APP_PASSWORD": "sso-secret", **STATE_KEY})
    assert s.auth_mode == "sso"
    assert (s.sso_client_id, s.sso_client_secret) == (SSO_APP, "sso-secret")
    assert "sso-secret" not in repr(s)


def test_without_a_managed_identity_sign_in_uses_the_bot_app() -> None:
    s = load_settings({"MicrosoftAppId": SSO_APP, "MicrosoftAppPassword": "bot-secret", **STATE_KEY})
    assert (s.sso_client_id, s.sso_client_secret) == (SSO_APP, "bot-secret")


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"MicrosoftAppType": "UserAssignedMSI"}, "MicrosoftAppId"),
        ({"MicrosoftAppType": "UserAssignedMSI", "MicrosoftAppId": MSI}, "MicrosoftAppTenantId"),
        (MANAGED, "SSO_APP_ID"),
        ({**MANAGED, "SSO_APP_ID": SSO_APP}, "SSO_APP_PASSWORD"),
        ({"LOG_FORMAT": "yaml"}, "LOG_FORMAT"),
    ],
)
def test_a_deployment_setting_that_cannot_work_names_the_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(env)
    assert caught.value.variable == variable


def test_log_format_is_case_insensitive() -> None:
    assert load_settings({"LOG_FORMAT": "JSON"}).log_format == "json"
