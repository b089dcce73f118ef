from __future__ import annotations

import pytest

from bot.settings import ConfigError, load_settings


def test_defaults_are_dev_mode_against_real_graph() -> None:
    s = load_settings({})
    assert (s.port, s.auth_mode, s.graph_base_url) == (3978, "dev", "https://graph.microsoft.com/beta")


def test_an_app_id_makes_sso_the_default() -> None:
    key = "k6xk3ssn0Ygw1tC0Dd3FZyR9FfUq3CNTKkMCBwmVBsc="
    s = load_settings({"MicrosoftAppId": "abc", "MicrosoftAppPassword": "secret", "STATE_ENCRYPTION_KEY": key})
    assert s.auth_mode == "sso"
    assert "secret" not in repr(s) and key not in repr(s)


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"PORT": "eighty"}, "PORT"),
        ({"PORT": "70000"}, "PORT"),
        ({"GRAPH_BASE_URL": "graph.microsoft.com"}, "GRAPH_BASE_URL"),
        ({"AUTH_MODE": "magic"}, "AUTH_MODE"),
        ({"AUTH_MODE": "sso"}, "AUTH_MODE"),
        ({"MicrosoftAppType": "Personal"}, "MicrosoftAppType"),
        ({"MicrosoftAppId": "abc"}, "MicrosoftAppPassword"),
        ({"MicrosoftAppType": "SingleTenant"}, "MicrosoftAppTenantId"),
        ({"GRAPH_TIMEOUT_SECONDS": "-1"}, "GRAPH_TIMEOUT_SECONDS"),
        ({"STATE_STORE": "blob"}, "STATE_STORE"),
        ({"STATE_STORE": "cosmos"}, "STATE_STORE"),
        ({"MicrosoftAppId": "abc", "MicrosoftAppPassword": "pw"}, "STATE_ENCRYPTION_KEY"),
        ({"STATE_CONTAINER": "ab"}, "STATE_CONTAINER"),
    ],
)
def test_a_bad_value_names_the_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(env)
    assert caught.value.variable == variable
    assert variable in str(caught.value)


def test_allowed_tenants_are_a_clean_lowercase_list() -> None:
    s = load_settings({"ALLOWED_TENANTS": " A-1 , b-2,, "})
    assert s.allowed_tenants == ("a-1", "b-2")


def test_app_refuses_to_start_with_a_bad_value(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import app

    monkeypatch.setenv("PORT", "not-a-port")
    monkeypatch.chdir("/")  # no .env here
    assert app.main() == 2
    assert "PORT" in capsys.readouterr().err


def test_alerts_settings() -> None:
    defaults = load_settings({})
    assert (defaults.alerts_poll_seconds, defaults.alerts_digest_time, defaults.alerts_tick_seconds) == (
        300,
        "07:30",
        30,
    )
    s = load_settings({"ALERTS_POLL_SECONDS": "120", "ALERTS_DIGEST_TIME": "6:05", "ALERTS_TICK_SECONDS": "0"})
    assert (s.alerts_poll_seconds, s.alerts_digest_time, s.alerts_tick_seconds) == (120, "06:05", 0)


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"ALERTS_POLL_SECONDS": "10"}, "ALERTS_POLL_SECONDS"),  # faster than Shifts' limits allow for many teams
        ({"ALERTS_DIGEST_TIME": "25:00"}, "ALERTS_DIGEST_TIME"),
        ({"ALERTS_DIGEST_TIME": "7h"}, "ALERTS_DIGEST_TIME"),
    ],
)
def test_bad_alerts_settings_name_their_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(env)
    assert raised.value.variable == variable
