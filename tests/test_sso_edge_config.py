"""Configuration of AUTH_MODE=sso: the new variables, what the edge builds from them, and refusals at start."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.auth.sso import OboTokenProvider
from bot.settings import ConfigError, Settings, load_settings
from bot.storage import SqliteStorage
from bot.teams.app import create_app, make_token_provider
from bot.teams.sdk import PUBLIC_CLOUD, AuthConfig

SSO_ENV = {
    "MicrosoftAppId": "app-id",
    "MicrosoftAppPassword": "pw",
    "OAUTH_CONNECTION_NAME": "graph-sso",
    "STATE_ENCRYPTION_KEY": "k6xk3ssn0Ygw1tC0Dd3FZyR9FfUq3CNTKkMCBwmVBsc=",
}


async def no_token(_user: object) -> None:
    return None


def test_defaults_leave_the_sdk_in_its_public_cloud_mode() -> None:
    s = load_settings(SSO_ENV)
    assert (s.oauth_url, s.aad_authority_host) == ("", "https://login.microsoftonline.com")
    config = AuthConfig(s)
    assert not any(hasattr(config, name) for name in [*PUBLIC_CLOUD, "OAUTH_URL"])


def test_oauth_url_switches_to_the_parameterized_mode_with_every_endpoint_set() -> None:
    s = load_settings({**SSO_ENV, "OAUTH_URL": "https://europe.token.botframework.com/"})
    config = AuthConfig(s, {"CALLER_ID": "urn:test"})
    assert config.OAUTH_URL == "https://europe.token.botframework.com"
    assert config.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL == (
        "https://login.botframework.com/v1/.well-known/openidconfiguration"
    )
    assert config.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER == "https://api.botframework.com"
    assert config.CALLER_ID == "urn:test"  # extras win
    assert all(getattr(config, name) for name in PUBLIC_CLOUD)


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"OAUTH_URL": "http://token.example.com"}, "OAUTH_URL"),
        ({"OAUTH_URL": "https://token.example.com/api?x=1"}, "OAUTH_URL"),
        ({"OAUTH_URL": "https://user:pw@token.example.com"}, "OAUTH_URL"),
        ({"AAD_AUTHORITY_HOST": "http://127.0.0.1:8080"}, "AAD_AUTHORITY_HOST"),
        ({"AAD_AUTHORITY_HOST": "https://login.microsoftonline.com/common"}, "AAD_AUTHORITY_HOST"),
        ({"AAD_AUTHORITY_HOST": "login.microsoftonline.us"}, "AAD_AUTHORITY_HOST"),
    ],
)
def test_bad_endpoints_name_their_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({**SSO_ENV, **env})
    assert caught.value.variable == variable


def test_a_loopback_token_service_may_be_plain_http() -> None:
    assert load_settings({**SSO_ENV, "OAUTH_URL": "http://127.0.0.1:3979"}).oauth_url == "http://127.0.0.1:3979"


def provider_for(settings: Settings, tmp_path: Path) -> OboTokenProvider:
    storage = SqliteStorage(tmp_path / "s.db")
    provider = make_token_provider(settings, None, storage=storage, sso_token_source=no_token)
    storage.close()
    assert isinstance(provider, OboTokenProvider)
    return provider


def test_the_authority_is_organizations_or_the_apps_tenant(tmp_path: Path) -> None:
    multi = provider_for(load_settings(SSO_ENV), tmp_path)
    assert multi._authority == "https://login.microsoftonline.com/organizations"
    assert multi._instance_discovery is None
    single = provider_for(
        load_settings({**SSO_ENV, "MicrosoftAppType": "SingleTenant", "MicrosoftAppTenantId": "contoso-tenant"}),
        tmp_path,
    )
    assert single._authority == "https://login.microsoftonline.com/contoso-tenant"


def test_an_unknown_authority_host_is_used_as_given(tmp_path: Path) -> None:
    provider = provider_for(load_settings({**SSO_ENV, "AAD_AUTHORITY_HOST": "https://login.entra.test"}), tmp_path)
    assert provider._authority == "https://login.entra.test/organizations"
    assert provider._instance_discovery is False


async def test_sso_without_an_oauth_connection_refuses_to_start(tmp_path: Path) -> None:
    key = "k6xk3ssn0Ygw1tC0Dd3FZyR9FfUq3CNTKkMCBwmVBsc="
    settings = Settings(
        app_id="app-id",
        app_password="pw",
        auth_mode="sso",
        state_db=str(tmp_path / "state.db"),
        state_encryption_key=key,
    )
    with pytest.raises(ConfigError) as caught:
        await create_app(settings)
    assert caught.value.variable == "OAUTH_CONNECTION_NAME"


def test_app_explains_a_missing_oauth_connection(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import app

    for name, value in SSO_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("OAUTH_CONNECTION_NAME", raising=False)
    monkeypatch.setenv("STATE_DB", str(tmp_path / "state.db"))
    monkeypatch.chdir(tmp_path)  # no .env here
    assert app.main() == 2
    assert "OAUTH_CONNECTION_NAME" in capsys.readouterr().err
