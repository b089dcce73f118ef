"""Configuration: environment variables (and an optional `.env`) into one typed, validated object.
A bad value stops start-up with a message that names the variable."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

APP_TYPES = ("MultiTenant", "SingleTenant", "UserAssignedMSI")
AUTH_MODES = ("dev", "sso")
STATE_STORES = ("sqlite", "blob")
LOG_FORMATS = ("text", "json")


class ConfigError(ValueError):
    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"Configuration error in {variable}: {problem}")
        self.variable = variable


@dataclass(frozen=True)
class Settings:
    port: int = 3978
    host: str = "0.0.0.0"
    app_id: str = ""
    app_password: str = field(default="", repr=False)
    app_type: str = "MultiTenant"
    app_tenant_id: str = ""
    graph_base_url: str = "https://graph.microsoft.com/beta"
    auth_mode: str = "dev"
    state_db: str = "data/state.db"
    dev_signing_key: str = "data/dev-signing-key.pem"
    booking_business_id: str = ""
    oauth_connection_name: str = ""
    # The Bot Framework user-token service; empty means the SDK's public-cloud default (api.botframework.com).
    oauth_url: str = ""
    # Where MSAL sends on-behalf-of requests: https://login.microsoftonline.com, or a sovereign cloud's host.
    aad_authority_host: str = "https://login.microsoftonline.com"
    allowed_tenants: tuple[str, ...] = ()
    graph_timeout_seconds: float = 4.0
    graph_max_attempts: int = 3
    graph_retry_budget_seconds: float = 3.0
    log_level: str = "INFO"
    # Alerts (bot/requests/alerts.py): how often each manager's requests are polled, when the digest is due in
    # the manager's zone, and how often the background loop wakes up (0: no loop, e.g. in tests).
    alerts_poll_seconds: float = 300.0
    alerts_digest_time: str = "07:30"
    alerts_tick_seconds: float = 0.0
    # The shared state (docs/decisions.md, "State store"): SQLite for one instance, Azure Blob Storage for many.
    state_store: str = "sqlite"
    state_container: str = "managerdesk-state"
    azure_storage_connection_string: str = field(default="", repr=False)
    azure_storage_account_url: str = ""
    azure_client_id: str = ""  # a user-assigned managed identity's client id (empty: the system-assigned one)
    # Keys (Fernet, comma-separated, the first encrypts) for secrets at rest: SSO tokens and MSAL caches.
    state_encryption_key: str = field(default="", repr=False)
    form_open_days: float = 7.0  # an untouched open form expires after this
    form_done_days: float = 30.0  # a finished form answers late presses this long
    create_wait_seconds: float = 60.0  # how long a create keeps waiting for Graph in the background
    # After an unknown outcome, how long a write may still land in Graph: until then, finding nothing is not
    # proof that nothing was made, so nothing is sent again.
    unknown_settle_seconds: float = 30.0
    sweep_interval_seconds: float = 3600.0  # how often expired forms are deleted from the store
    # Deployment (docs/deploy.md). The Entra app Teams SSO and on-behalf-of use: the bot's own app unless the bot
    # identity is a managed identity, which has no secret and exposes no API.
    sso_app_id: str = ""
    sso_app_password: str = field(default="", repr=False)
    log_format: str = "text"
    appinsights_connection_string: str = field(default="", repr=False)
    # Tests only (never read from the environment): the instant the scheduler's "in the past" check compares with.
    fixed_now: str = ""

    @property
    def sso_client_id(self) -> str:
        """The Entra app of Teams SSO and on-behalf-of: SSO_APP_ID, else the bot's own app (not a managed identity)."""
        return self.sso_app_id or ("" if self.app_type == "UserAssignedMSI" else self.app_id)

    @property
    def sso_client_secret(self) -> str:
        return self.sso_app_password or ("" if self.app_type == "UserAssignedMSI" else self.app_password)

    @property
    def ready(self) -> bool:
        return bool(self.graph_base_url)


def load_settings(environ: Mapping[str, str] | None = None, dotenv_path: str | None = ".env") -> Settings:
    """Reads `environ` (default: the process environment, after loading `.env` if present)."""
    if environ is None:
        if dotenv_path and Path(dotenv_path).is_file():
            from dotenv import load_dotenv

            load_dotenv(dotenv_path, override=False)
        environ = os.environ
    env = {k: v.strip() for k, v in environ.items()}
    app_id = env.get("MicrosoftAppId", "")
    auth_mode = env.get("AUTH_MODE", "") or ("sso" if app_id else "dev")
    settings = Settings(
        port=_int(env, "PORT", 3978, 0, 65535),
        host=env.get("HOST", "") or "0.0.0.0",
        app_id=app_id,
        app_password=env.get("MicrosoftAppPassword", ""),
        app_type=_choice(env, "MicrosoftAppType", APP_TYPES, "MultiTenant"),
        app_tenant_id=env.get("MicrosoftAppTenantId", ""),
        graph_base_url=_url(env, "GRAPH_BASE_URL", "https://graph.microsoft.com/beta"),
        auth_mode=_check_choice("AUTH_MODE", auth_mode, AUTH_MODES),
        state_db=env.get("STATE_DB", "") or "data/state.db",
        dev_signing_key=env.get("DEV_SIGNING_KEY", "") or "data/dev-signing-key.pem",
        booking_business_id=env.get("BOOKING_BUSINESS_ID", ""),
        oauth_connection_name=env.get("OAUTH_CONNECTION_NAME", ""),
        oauth_url=_secure_url(env, "OAUTH_URL", ""),
        aad_authority_host=_secure_url(env, "AAD_AUTHORITY_HOST", "https://login.microsoftonline.com", loopback=False),
        allowed_tenants=tuple(t.strip().lower() for t in env.get("ALLOWED_TENANTS", "").split(",") if t.strip()),
        graph_timeout_seconds=_float(env, "GRAPH_TIMEOUT_SECONDS", 4.0, 0.1, 60),
        graph_max_attempts=_int(env, "GRAPH_MAX_ATTEMPTS", 3, 1, 10),
        graph_retry_budget_seconds=_float(env, "GRAPH_RETRY_BUDGET_SECONDS", 3.0, 0, 120),
        log_level=_choice(env, "LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR"), "INFO", upper=True),
        alerts_poll_seconds=_float(env, "ALERTS_POLL_SECONDS", 300.0, 60, 86400),
        alerts_digest_time=_clock(env, "ALERTS_DIGEST_TIME", "07:30"),
        alerts_tick_seconds=_float(env, "ALERTS_TICK_SECONDS", 30.0, 0, 3600),
        state_store=_choice(env, "STATE_STORE", STATE_STORES, "sqlite"),
        state_container=env.get("STATE_CONTAINER", "") or "managerdesk-state",
        azure_storage_connection_string=env.get("AZURE_STORAGE_CONNECTION_STRING", ""),
        azure_storage_account_url=env.get("AZURE_STORAGE_ACCOUNT_URL", ""),
        azure_client_id=env.get("AZURE_CLIENT_ID", ""),
        state_encryption_key=env.get("STATE_ENCRYPTION_KEY", ""),
        form_open_days=_float(env, "FORM_OPEN_DAYS", 7.0, 0.001, 365),
        form_done_days=_float(env, "FORM_DONE_DAYS", 30.0, 1, 365),
        create_wait_seconds=_float(env, "CREATE_WAIT_SECONDS", 60.0, 1, 600),
        unknown_settle_seconds=_float(env, "UNKNOWN_SETTLE_SECONDS", 30.0, 0, 600),
        sweep_interval_seconds=_float(env, "SWEEP_INTERVAL_SECONDS", 3600.0, 1, 86400),
        **_deployment(env),
    )
    _check_consistency(settings)
    return settings


def _deployment(env: Mapping[str, str]) -> dict[str, str]:
    return {
        "sso_app_id": env.get("SSO_APP_ID", ""),
        "sso_app_password": env.get("SSO_APP_PASSWORD", ""),
        "log_format": _choice(env, "LOG_FORMAT", LOG_FORMATS, "text", lower=True),
        "appinsights_connection_string": env.get("APPLICATIONINSIGHTS_CONNECTION_STRING", ""),
    }


def _check_consistency(s: Settings) -> None:
    if s.auth_mode == "sso" and not s.app_id:
        raise ConfigError("AUTH_MODE", "'sso' needs MicrosoftAppId (and MicrosoftAppPassword) to be set")
    if s.app_type == "SingleTenant" and not s.app_tenant_id:
        raise ConfigError("MicrosoftAppTenantId", "required when MicrosoftAppType is SingleTenant")
    if s.app_id and s.app_type != "UserAssignedMSI" and not s.app_password:
        raise ConfigError("MicrosoftAppPassword", "required when MicrosoftAppId is set")
    if s.app_type == "UserAssignedMSI":
        _check_managed_identity(s)
    if s.state_store == "blob" and not (s.azure_storage_connection_string or s.azure_storage_account_url):
        raise ConfigError(
            "STATE_STORE", "'blob' needs AZURE_STORAGE_CONNECTION_STRING or AZURE_STORAGE_ACCOUNT_URL to be set"
        )
    if s.auth_mode != "dev" and not s.state_encryption_key:
        raise ConfigError("STATE_ENCRYPTION_KEY", "required outside dev mode: SSO tokens are stored encrypted")
    if not 3 <= len(s.state_container) <= 63:
        raise ConfigError("STATE_CONTAINER", "a container name has 3 to 63 characters")


def _check_managed_identity(s: Settings) -> None:
    """The SDK's managed-identity credentials need the identity's client id and tenant; sign-in then needs its own
    Entra app (the identity cannot expose the SSO API nor hold the on-behalf-of secret)."""
    if not s.app_id:
        raise ConfigError(
            "MicrosoftAppId", "required when MicrosoftAppType is UserAssignedMSI (the identity's client id)"
        )
    if not s.app_tenant_id:
        raise ConfigError("MicrosoftAppTenantId", "required when MicrosoftAppType is UserAssignedMSI")
    if s.auth_mode == "sso" and not (s.sso_client_id and s.sso_client_secret):
        missing = "SSO_APP_PASSWORD" if s.sso_client_id else "SSO_APP_ID"
        raise ConfigError(missing, "AUTH_MODE=sso with a managed identity needs the SSO Entra app's id and secret")


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name, "")
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(name, f"expected a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(name, f"must be between {low} and {high}, got {value}")
    return value


def _float(env: Mapping[str, str], name: str, default: float, low: float, high: float) -> float:
    raw = env.get(name, "")
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(name, f"expected a number of seconds, got {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(name, f"must be between {low} and {high}, got {value}")
    return value


def _choice(
    env: Mapping[str, str], name: str, allowed: tuple[str, ...], default: str, upper: bool = False, lower: bool = False
) -> str:
    raw = env.get(name, "") or default
    return _check_choice(name, raw.upper() if upper else raw.lower() if lower else raw, allowed)


def _check_choice(name: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ConfigError(name, f"must be one of {', '.join(allowed)}, got {value!r}")
    return value


def _secure_url(env: Mapping[str, str], name: str, default: str, loopback: bool = True) -> str:
    """An https origin such as https://host[:port] (plain http only for a loopback host, i.e. a local test
    double, when `loopback`). Empty stays empty."""
    raw = (env.get(name, "") or default).rstrip("/")
    if not raw:
        return raw
    parsed = urlparse(raw)
    local_http = loopback and parsed.scheme == "http" and parsed.hostname in ("127.0.0.1", "localhost", "::1")
    if not parsed.hostname or not (parsed.scheme == "https" or local_http):
        raise ConfigError(name, f"expected an https URL, got {raw!r}")
    if parsed.path or parsed.query or parsed.fragment or parsed.username or parsed.password:
        raise ConfigError(name, f"expected only a scheme and host (and port), got {raw!r}")
    return raw


def _clock(env: Mapping[str, str], name: str, default: str) -> str:
    raw = env.get(name, "") or default
    hours, _, minutes = raw.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and int(hours) < 24 and int(minutes) < 60 and len(minutes) == 2):
        raise ConfigError(name, f"expected a time of day as HH:MM, got {raw!r}")
    return f"{int(hours):02d}:{minutes}"


def _url(env: Mapping[str, str], name: str, default: str) -> str:
    raw = (env.get(name, "") or default).rstrip("/")
    parsed = urlparse(raw)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigError(name, f"expected an http(s) URL, got {raw!r}")
    return raw
