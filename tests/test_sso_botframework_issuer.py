"""The local Bot Framework issuer (tests/support/botframework_issuer.py) serves metadata and keys that verify
its good tokens, and only those, with plain PyJWT."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator

import jwt
import pytest

from tests.support.botframework_issuer import (
    BOT_FRAMEWORK_ISSUER,
    GARBAGE_TOKENS,
    BotFrameworkIssuer,
    parameterized_config,
    running_issuer,
)

APP_ID = "6f1c2b7e-0000-4000-8000-00000000b07a"
SERVICE_URL = "https://smba.trafficmanager.net/emea/"


@pytest.fixture(scope="module")
def issuer() -> Iterator[BotFrameworkIssuer]:
    with running_issuer() as running:
        yield running


def fetch(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)


def verify(token: str, issuer: BotFrameworkIssuer) -> dict:
    """What the SDK does, with PyJWT: metadata -> jwks_uri -> key by kid -> RS256, iss, aud, exp."""
    metadata = fetch(issuer.metadata_url)
    keys = {k["kid"]: k for k in fetch(metadata["jwks_uri"])["keys"]}
    kid = jwt.get_unverified_header(token).get("kid")
    if kid not in keys:
        raise jwt.InvalidKeyError("unknown kid")
    key = jwt.PyJWK(keys[kid]).key
    return jwt.decode(token, key, algorithms=["RS256"], audience=APP_ID, issuer=metadata["issuer"])


def test_metadata_and_keys_are_served(issuer):
    metadata = fetch(issuer.metadata_url)
    assert metadata["issuer"] == BOT_FRAMEWORK_ISSUER
    assert metadata["jwks_uri"] == issuer.jwks_url
    assert "RS256" in metadata["id_token_signing_alg_values_supported"]
    (key,) = fetch(issuer.jwks_url)["keys"]
    assert key["kid"] == issuer.kid and key["kty"] == "RSA" and key["endorsements"] == ["msteams"]
    assert "d" not in key  # public half only


def test_valid_token_verifies(issuer):
    claims = verify(issuer.mint(APP_ID, SERVICE_URL), issuer)
    assert claims["aud"] == APP_ID and claims["iss"] == BOT_FRAMEWORK_ISSUER
    assert claims["serviceurl"] == SERVICE_URL and claims["exp"] > claims["nbf"]


def test_pyjwk_client_reads_the_served_keys(issuer):
    token = issuer.mint(APP_ID, SERVICE_URL)
    key = jwt.PyJWKClient(issuer.jwks_url).get_signing_key_from_jwt(token)
    assert jwt.decode(token, key.key, algorithms=["RS256"], audience=APP_ID)["serviceurl"] == SERVICE_URL


@pytest.mark.parametrize(
    "make, error",
    [
        (BotFrameworkIssuer.mint_expired, jwt.ExpiredSignatureError),
        (BotFrameworkIssuer.mint_wrong_audience, jwt.InvalidAudienceError),
        (BotFrameworkIssuer.mint_unsigned, jwt.InvalidAlgorithmError),
        (BotFrameworkIssuer.mint_forged, jwt.InvalidSignatureError),
        (lambda i, a, s: i.mint_forged(a, s, same_kid=False), jwt.InvalidKeyError),
    ],
)
def test_bad_tokens_do_not_verify(issuer, make, error):
    with pytest.raises(error):
        verify(make(issuer, APP_ID, SERVICE_URL), issuer)


@pytest.mark.parametrize("garbage", GARBAGE_TOKENS)
def test_garbage_does_not_verify(issuer, garbage):
    with pytest.raises(jwt.PyJWTError):
        verify(garbage, issuer)


def test_issuer_stops_and_frees_its_port():
    with running_issuer() as running:
        url = running.metadata_url
        assert fetch(url)["issuer"] == BOT_FRAMEWORK_ISSUER
        assert running.hits == ["/v1/.well-known/openidconfiguration"]
    with pytest.raises(OSError):
        fetch(url)


def test_parameterized_config_points_every_url_here(issuer):
    config = parameterized_config(issuer, app_id=APP_ID, app_password="pw", oauth_url="http://127.0.0.1:1")
    assert config.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL == issuer.metadata_url
    assert config.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL == issuer.metadata_url
    assert config.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER == BOT_FRAMEWORK_ISSUER
    assert config.APP_ID == APP_ID and config.VALIDATE_AUTHORITY is True
