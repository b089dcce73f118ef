"""A local stand-in for the Bot Framework token issuer, for the edge's inbound-JWT tests.

It generates an RSA key, serves OpenID metadata and a JWKS from a plain `http.server` in a background THREAD
on 127.0.0.1, port 0 (the SDK fetches metadata with a blocking `requests.get` on the event loop thread, so
an in-loop aiohttp server would deadlock), and mints Bot Framework channel tokens, good and bad.

How botframework-connector 4.17.1 is pointed here (read from botframework/connector/auth/*.py):

Built-in (public cloud) mode: `ConfigurationBotFrameworkAuthentication(config)` where `config` has NONE of
the seven parameterized attributes below. Channel tokens go through `ChannelValidation`, which reads the
metadata URL from the CLASS attribute `ChannelValidation.open_id_metadata_endpoint` (default None, meaning
`AuthenticationConstants.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL`). Set it to `issuer.metadata_url` and put
it back afterwards (monkeypatch.setattr). The issuer is fixed to `https://api.botframework.com`.

Parameterized mode: `BotFrameworkAuthenticationFactory.create` switches to it as soon as ANY of these config
attributes is truthy, and then uses each of them, so set them all:
    TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL  = issuer.metadata_url       # channel tokens
    TO_BOT_FROM_CHANNEL_TOKEN_ISSUER         = "https://api.botframework.com"  # unset: every token refused
    TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL = issuer.metadata_url       # emulator/skill-looking tokens
    TO_CHANNEL_FROM_BOT_LOGIN_URL            = "https://login.microsoftonline.com/botframework.com"
    TO_CHANNEL_FROM_BOT_OAUTH_SCOPE          = "https://api.botframework.com"
    OAUTH_URL                                = the user token service (a local fake in tests)
    CALLER_ID                                = "urn:botframework:azure"
    VALIDATE_AUTHORITY                       = True  (read with getattr(..., True))
`parameterized_config()` below returns exactly that. Either way the bot's identity comes from `APP_ID`,
`APP_PASSWORD` (and `APP_TYPE`, `APP_TENANTID` for single tenant) on the same config object
(ConfigurationServiceClientCredentialFactory), and `aud` must equal APP_ID.

What the SDK checks, in order (JwtTokenExtractor + ChannelValidation / the parameterized twin):
- `iss` (unverified) is the channel issuer, else no identity -> PermissionError;
- the JWKS key with the token's `kid` (an unknown or missing `kid` raises IndexError: a 500 unless caught);
- the key's `endorsements` contain the activity's `channelId` ("msteams");
- header `alg` in RS256/RS384/RS512 (then decoded as RS256 only), signature, `exp`/`nbf` with 5 min leeway;
- `aud` == APP_ID; claim `serviceurl` == the activity's `serviceUrl`.
Garbage and unsigned tokens raise from `jwt.decode` (DecodeError/Exception), expired ones
ExpiredSignatureError: the SDK lets them out as 500s, the edge must turn them into 401.
Metadata is cached per URL in the class-level `JwtTokenExtractor.metadataCache`: clear it between tests
(each issuer has a fresh port, hence a fresh URL, but a stale entry keeps old keys for a day).
requests honours HTTP(S)_PROXY/NO_PROXY: keep 127.0.0.1 out of any proxy.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from jwt.algorithms import RSAAlgorithm

BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"
METADATA_PATH = "/v1/.well-known/openidconfiguration"
JWKS_PATH = "/v1/.well-known/keys"
GARBAGE_TOKENS: tuple[str, ...] = (
    "not-a-jwt",
    "abc.def.ghi",
    "eyJhbGciOiJSUzI1NiJ9.%%%.###",
    "eyJhbGciOiJSUzI1NiIsImtpZCI6IngifQ.bm90IGpzb24.c2ln",  # payload is not JSON
)


def new_rsa_key() -> RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class BotFrameworkIssuer:
    def __init__(
        self,
        *,
        key: RSAPrivateKey | None = None,
        kid: str | None = None,
        endorsements: tuple[str, ...] = ("msteams",),
        issuer: str = BOT_FRAMEWORK_ISSUER,
    ) -> None:
        self.key = key or new_rsa_key()
        self.kid = kid or f"test-{uuid.uuid4().hex[:12]}"
        self.endorsements = list(endorsements)
        self.issuer = issuer
        self.hits: list[str] = []  # request paths, to assert the SDK fetched (or cached) the metadata
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ---- server ------------------------------------------------------------------------------------------

    def start(self) -> BotFrameworkIssuer:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        # A short poll interval: shutdown() waits for it (the default 0.5 s would be paid by every test).
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="bf-issuer", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> BotFrameworkIssuer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("issuer not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def metadata_url(self) -> str:
        return self.base_url + METADATA_PATH

    @property
    def jwks_url(self) -> str:
        return self.base_url + JWKS_PATH

    def metadata(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": "https://invalid.botframework.com",
            "jwks_uri": self.jwks_url,
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        }

    def jwks(self) -> dict[str, Any]:
        jwk = RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        jwk.update({"kid": self.kid, "use": "sig", "alg": "RS256", "endorsements": self.endorsements})
        return {"keys": [jwk]}

    # ---- tokens ------------------------------------------------------------------------------------------

    def mint(
        self,
        app_id: str,
        service_url: str,
        *,
        lifetime: int = 3600,
        not_before: int = 0,
        audience: str | None = None,
        extra_claims: dict[str, Any] | None = None,
        key: RSAPrivateKey | None = None,
        kid: str | None = None,
    ) -> str:
        """A channel->bot token as the Bot Connector sends it: iss, aud=app id, serviceurl, nbf, exp."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "serviceurl": service_url,
            "nbf": now + not_before,
            "exp": now + lifetime,
            "iss": self.issuer,
            "aud": app_id if audience is None else audience,
        }
        claims.update(extra_claims or {})
        headers = {"kid": self.kid if kid is None else kid, "typ": "JWT"}
        return jwt.encode(claims, key or self.key, algorithm="RS256", headers=headers)

    def mint_expired(self, app_id: str, service_url: str) -> str:
        return self.mint(app_id, service_url, lifetime=-3600, not_before=-7200)  # beyond the 5 min leeway

    def mint_wrong_audience(self, app_id: str, service_url: str) -> str:
        return self.mint(app_id, service_url, audience="00000000-0000-0000-0000-000000000bad")

    def mint_unsigned(self, app_id: str, service_url: str) -> str:
        now = int(time.time())
        claims = {"serviceurl": service_url, "nbf": now, "exp": now + 3600, "iss": self.issuer, "aud": app_id}
        return jwt.encode(claims, None, algorithm="none", headers={"kid": self.kid})

    def mint_forged(self, app_id: str, service_url: str, *, same_kid: bool = True) -> str:
        """Signed by another key; with same_kid=False it also names a kid the JWKS does not have."""
        return self.mint(app_id, service_url, key=new_rsa_key(), kid=None if same_kid else "forged-kid")


@contextmanager
def running_issuer(**kwargs: Any) -> Iterator[BotFrameworkIssuer]:
    issuer = BotFrameworkIssuer(**kwargs).start()
    try:
        yield issuer
    finally:
        issuer.stop()


def parameterized_config(
    issuer: BotFrameworkIssuer, *, app_id: str, app_password: str, oauth_url: str, **extra: Any
) -> SimpleNamespace:
    """A config object for ConfigurationBotFrameworkAuthentication in parameterized mode, pointed here."""
    return SimpleNamespace(
        APP_ID=app_id,
        APP_PASSWORD=app_password,
        TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL=issuer.metadata_url,
        TO_BOT_FROM_CHANNEL_TOKEN_ISSUER=issuer.issuer,
        TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL=issuer.metadata_url,
        TO_CHANNEL_FROM_BOT_LOGIN_URL="https://login.microsoftonline.com/botframework.com",
        TO_CHANNEL_FROM_BOT_OAUTH_SCOPE=BOT_FRAMEWORK_ISSUER,
        OAUTH_URL=oauth_url,
        CALLER_ID="urn:botframework:azure",
        VALIDATE_AUTHORITY=True,
        **extra,
    )


class JsonHandler(BaseHTTPRequestHandler):
    """A threaded stand-in's handler that answers JSON and keeps test output quiet (for endpoints the SDK or MSAL
    call with blocking requests, which an aiohttp server on the test's own event loop could not answer)."""

    def _send(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _handler_for(issuer: BotFrameworkIssuer) -> type[BaseHTTPRequestHandler]:
    class Handler(JsonHandler):
        def do_GET(self) -> None:
            issuer.hits.append(self.path)
            routes = {METADATA_PATH: issuer.metadata, JWKS_PATH: issuer.jwks}
            body = routes.get(self.path)
            self._send(200, body()) if body else self._send(404, {"error": "not found"})

    return Handler
