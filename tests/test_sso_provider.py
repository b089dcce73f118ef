"""OboTokenProvider with the real MSAL against the in-process fake Entra (tests/support/fake_entra.py)."""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from bot.auth.scopes import CUSTOMER_SCOPES, SHIFT_SCOPES, graph_scopes
from bot.auth.sso import (
    ConsentRequired,
    OboTokenProvider,
    SsoSignInRequired,
    TokenError,
    authority_for,
    cache_key,
    needs_consent,
)
from bot.auth.tokens import SignInRequired, UserIdentity
from bot.storage import SqliteStorage
from tests.support.fake_entra import JWT_BEARER, FakeEntra

CLIENT_ID = "6f1c2b7e-0000-4000-8000-00000000b07a"
CLIENT_SECRET = "Zx8Q~not-a-real-secret.value_42"
MANAGER = UserIdentity("8d7c6b5a-1111-4222-8333-444455556666", "0f9e8d7c-aaaa-4bbb-8ccc-ddddeeeeffff", "Mia")
OTHER = UserIdentity("1a2b3c4d-1111-4222-8333-444455556666", "0f9e8d7c-aaaa-4bbb-8ccc-ddddeeeeffff", "Leo")


class SsoSource:
    """Stands in for the edge: the user's current Teams SSO token, or None before any token exchange."""

    def __init__(self, entra: FakeEntra) -> None:
        self.entra = entra
        self.tokens: dict[str, str | None] = {}
        self.calls = 0

    def sign_in(self, user: UserIdentity, **kwargs: int) -> str:
        token = self.entra.sso_token(user.aad_object_id, user.tenant_id, **kwargs)
        self.tokens[user.aad_object_id] = token
        return token

    async def __call__(self, user: UserIdentity) -> str | None:
        self.calls += 1
        return self.tokens.get(user.aad_object_id)


@pytest.fixture
def entra() -> Iterator[FakeEntra]:
    fake = FakeEntra(CLIENT_ID, CLIENT_SECRET)
    yield fake
    assert "client_credentials" not in fake.grants(), "an application-only token was requested"
    assert not fake.unexpected, fake.unexpected


@pytest.fixture
def storage(tmp_path: Path) -> Iterator[SqliteStorage]:
    store = SqliteStorage(tmp_path / "state.db")
    yield store
    store.close()


@pytest.fixture
def sso(entra: FakeEntra) -> SsoSource:
    return SsoSource(entra)


def make_provider(entra: FakeEntra, storage: SqliteStorage, sso: SsoSource) -> OboTokenProvider:
    return OboTokenProvider(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        authority=entra.authority("organizations"),
        storage=storage,
        sso_token_source=sso,
        http_client=entra,
        instance_discovery=False,
    )


@pytest.fixture
def provider(entra: FakeEntra, storage: SqliteStorage, sso: SsoSource) -> OboTokenProvider:
    return make_provider(entra, storage, sso)


async def test_obo_asks_for_exactly_the_actions_scopes(entra, sso, provider):
    assertion = sso.sign_in(MANAGER)

    token = await provider.get_token(MANAGER, CUSTOMER_SCOPES)

    assert token == entra.issued_access_tokens[-1]
    (obo,) = entra.token_requests
    assert obo.grant_type == JWT_BEARER
    assert obo.data["requested_token_use"] == "on_behalf_of"
    assert obo.data["assertion"] == assertion
    assert obo.resource_scopes == set(graph_scopes(CUSTOMER_SCOPES))
    assert obo.scopes - obo.resource_scopes <= {"openid", "profile", "offline_access"}
    assert f"/{MANAGER.tenant_id}/oauth2/v2.0/token" in obo.url  # the user's tenant, not /organizations


async def test_second_call_is_served_from_the_cache(entra, sso, provider):
    sso.sign_in(MANAGER)
    first = await provider.get_token(MANAGER, CUSTOMER_SCOPES)
    seen = len(entra.requests)

    second = await provider.get_token(MANAGER, CUSTOMER_SCOPES)

    assert second == first
    assert entra.requests[seen:] == []
    assert sso.calls == 1


async def test_cache_survives_a_restart(entra, sso, storage, provider):
    sso.sign_in(MANAGER)
    first = await provider.get_token(MANAGER, CUSTOMER_SCOPES)
    stored = await storage.read([cache_key(MANAGER)])
    assert set(stored) == {f"tokens/{MANAGER.tenant_id}/{MANAGER.aad_object_id}"}

    sso.tokens.clear()  # after a restart the edge has no SSO token yet
    restarted = make_provider(entra, storage, sso)
    posts = len(entra.token_requests)

    assert await restarted.get_token(MANAGER, CUSTOMER_SCOPES) == first
    assert len(entra.token_requests) == posts


async def test_cache_is_written_only_when_it_changed(entra, sso, storage, provider, monkeypatch):
    sso.sign_in(MANAGER)
    await provider.get_token(MANAGER, CUSTOMER_SCOPES)
    writes: list[object] = []
    original = storage.write

    async def counting_write(changes):
        writes.append(changes)
        await original(changes)

    monkeypatch.setattr(storage, "write", counting_write)
    await provider.get_token(MANAGER, CUSTOMER_SCOPES)

    assert writes == []


async def test_another_actions_scopes_come_from_the_refresh_token(entra, sso, provider):
    sso.sign_in(MANAGER)
    await provider.get_token(MANAGER, CUSTOMER_SCOPES)
    sso.tokens.clear()

    token = await provider.get_token(MANAGER, SHIFT_SCOPES)

    assert token == entra.issued_access_tokens[-1]
    refresh = entra.token_requests[-1]
    assert refresh.grant_type == "refresh_token"
    assert refresh.resource_scopes == set(graph_scopes(SHIFT_SCOPES))


async def test_expired_access_token_is_refreshed_silently(entra, sso, provider):
    entra.access_token_lifetime = 120  # MSAL treats tokens expiring within 5 minutes as expired
    sso.sign_in(MANAGER)
    first = await provider.get_token(MANAGER, CUSTOMER_SCOPES)
    sso.tokens.clear()

    second = await provider.get_token(MANAGER, CUSTOMER_SCOPES)

    assert second != first
    assert entra.grants() == [JWT_BEARER, "refresh_token"]


async def test_users_do_not_share_tokens(entra, sso, provider):
    sso.sign_in(MANAGER)
    sso.sign_in(OTHER)
    mine = await provider.get_token(MANAGER, CUSTOMER_SCOPES)
    theirs = await provider.get_token(OTHER, CUSTOMER_SCOPES)

    assert mine != theirs
    assert [r.data["assertion"] for r in entra.token_requests] == [
        sso.tokens[MANAGER.aad_object_id],
        sso.tokens[OTHER.aad_object_id],
    ]


async def test_concurrent_calls_for_one_user_make_one_request(entra, sso, provider):
    sso.sign_in(MANAGER)

    tokens = await asyncio.gather(*(provider.get_token(MANAGER, CUSTOMER_SCOPES) for _ in range(5)))

    assert len(set(tokens)) == 1
    assert entra.grants() == [JWT_BEARER]


async def test_no_sso_token_means_sign_in(entra, sso, provider):
    with pytest.raises(SignInRequired) as caught:
        await provider.get_token(MANAGER, SHIFT_SCOPES)

    assert isinstance(caught.value, SsoSignInRequired)
    assert caught.value.reason == "no_sso_token"
    assert caught.value.scopes == SHIFT_SCOPES
    assert not needs_consent(caught.value)
    assert entra.token_requests == []


async def test_missing_consent_raises_consent_required(entra, sso, provider):
    entra.consented = set(graph_scopes(CUSTOMER_SCOPES))
    sso.sign_in(MANAGER)

    with pytest.raises(ConsentRequired) as caught:
        await provider.get_token(MANAGER, SHIFT_SCOPES)

    assert needs_consent(caught.value) and caught.value.consent is True
    assert isinstance(caught.value, SignInRequired)
    assert caught.value.scopes == SHIFT_SCOPES
    assert caught.value.correlation_id == entra.token_requests[-1].headers["client-request-id"]
    assert entra.token_requests[-1].resource_scopes == set(graph_scopes(SHIFT_SCOPES))


async def test_refused_refresh_keeps_the_consent_reason(entra, sso, provider):
    entra.consented = set(graph_scopes(CUSTOMER_SCOPES))
    sso.sign_in(MANAGER)
    await provider.get_token(MANAGER, CUSTOMER_SCOPES)
    sso.tokens.clear()

    with pytest.raises(ConsentRequired):
        await provider.get_token(MANAGER, SHIFT_SCOPES)
    assert entra.grants() == [JWT_BEARER, "refresh_token"]


async def test_consent_given_then_same_sso_token_works_at_once(entra, sso, provider):
    """MSAL's shared http_cache would replay the 400 for 60 s; the provider must not."""
    entra.consented = set()
    sso.sign_in(MANAGER)
    with pytest.raises(ConsentRequired):
        await provider.get_token(MANAGER, SHIFT_SCOPES)

    entra.grant_consent(*graph_scopes(SHIFT_SCOPES))

    assert await provider.get_token(MANAGER, SHIFT_SCOPES) == entra.issued_access_tokens[-1]


async def test_expired_sso_token_means_sign_in_without_consent(entra, sso, provider):
    sso.sign_in(MANAGER, lifetime=-60)

    with pytest.raises(SsoSignInRequired) as caught:
        await provider.get_token(MANAGER, CUSTOMER_SCOPES)

    assert caught.value.reason == "invalid_grant"
    assert not needs_consent(caught.value)


async def test_mfa_demand_means_sign_in(entra, sso, provider):
    entra.interaction_required = True
    sso.sign_in(MANAGER)

    with pytest.raises(SsoSignInRequired) as caught:
        await provider.get_token(MANAGER, CUSTOMER_SCOPES)

    assert caught.value.reason == "interaction_required"
    assert not needs_consent(caught.value)


async def test_wrong_client_secret_is_a_token_error_without_the_secret(entra, storage, sso):
    entra.client_secret = "the-secret-entra-expects"
    sso.sign_in(MANAGER)

    with pytest.raises(TokenError) as caught:
        await make_provider(entra, storage, sso).get_token(MANAGER, CUSTOMER_SCOPES)

    assert caught.value.code == "invalid_client"
    assert caught.value.aadsts == (7000215,)
    assert caught.value.correlation_id == entra.token_requests[-1].headers["client-request-id"]
    assert CLIENT_SECRET not in str(caught.value) and "AADSTS7000215" in str(caught.value)


async def test_entra_outage_is_a_token_error(entra, sso, provider):
    sso.sign_in(MANAGER)
    entra.fail_next(503, "<html>Service Unavailable</html>")

    with pytest.raises(TokenError) as caught:
        await provider.get_token(MANAGER, CUSTOMER_SCOPES)

    assert caught.value.code == "service_error"
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


async def test_sign_out_clears_the_cache(entra, sso, storage, provider):
    sso.sign_in(MANAGER)
    sso.sign_in(OTHER)
    await provider.get_token(MANAGER, CUSTOMER_SCOPES)
    await provider.get_token(OTHER, CUSTOMER_SCOPES)

    await provider.sign_out(MANAGER)
    sso.tokens.clear()

    assert await storage.read([cache_key(MANAGER)]) == {}
    with pytest.raises(SsoSignInRequired):
        await provider.get_token(MANAGER, CUSTOMER_SCOPES)
    assert await provider.get_token(OTHER, CUSTOMER_SCOPES)  # the other user is still signed in


async def test_logs_never_contain_secrets_or_tokens(entra, sso, provider, caplog):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="msal")
    assertion = sso.sign_in(MANAGER)
    entra.access_token_lifetime = 120
    await provider.get_token(MANAGER, CUSTOMER_SCOPES)  # on-behalf-of
    await provider.get_token(MANAGER, SHIFT_SCOPES)  # refresh token
    entra.consented = set()
    with pytest.raises(ConsentRequired) as consent:
        await provider.get_token(MANAGER, ("User.Read",))
    entra.client_secret = "rotated"
    with pytest.raises(TokenError) as failure:
        await provider.get_token(MANAGER, ("Mail.Read",))

    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    secrets = [CLIENT_SECRET, basic, assertion, *entra.issued_access_tokens, *entra.issued_refresh_tokens]
    assert any(r.name.startswith("msal") for r in caplog.records)
    text = caplog.text + str(consent.value) + str(failure.value)
    leaked = [s[:12] for s in secrets if s in text]
    assert leaked == []


def test_authority_uses_the_users_tenant_only_when_multi_tenant():
    tenant = MANAGER.tenant_id
    assert authority_for("https://login.microsoftonline.com/organizations", tenant).endswith(f"/{tenant}")
    assert authority_for("https://login.microsoftonline.com/common/", tenant).endswith(f"/{tenant}")
    single = "https://login.microsoftonline.com/contoso.onmicrosoft.com"
    assert authority_for(single, tenant) == single


@pytest.mark.parametrize("bad", ["", "../x", "a/b", "x?y=1", "a b"])
def test_ids_that_could_change_the_url_or_key_are_refused(bad):
    with pytest.raises(ValueError):
        cache_key(UserIdentity(bad, MANAGER.tenant_id))
    with pytest.raises(ValueError):
        authority_for("https://login.microsoftonline.com/organizations", bad)


def test_the_provider_requires_an_https_authority(storage, sso):
    with pytest.raises(ValueError):
        OboTokenProvider(
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            authority="http://login.entra.test/x",
            storage=storage,
            sso_token_source=sso,
        )


def test_no_application_token_anywhere():
    source = (Path(__file__).parents[1] / "bot" / "auth" / "sso.py").read_text()
    assert "acquire_token_for_client" not in source
    assert "client_credentials" not in source


class Unreachable:
    """An http_client whose every call fails like a dropped connection."""

    def get(self, url, params=None, headers=None, **kwargs):
        raise requests.ConnectionError("connection refused")

    post = get


async def test_unreachable_entra_is_a_token_error(storage, sso, entra):
    sso.sign_in(MANAGER)
    provider = OboTokenProvider(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        authority=entra.authority(),
        storage=storage,
        sso_token_source=sso,
        http_client=Unreachable(),
        instance_discovery=False,
    )

    with pytest.raises(TokenError) as caught:
        await provider.get_token(MANAGER, CUSTOMER_SCOPES)

    assert caught.value.code == "network_error"


async def test_failed_authority_discovery_is_a_token_error(entra, storage, sso):
    sso.sign_in(MANAGER)
    provider = OboTokenProvider(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        authority="https://login.elsewhere.test/organizations",
        storage=storage,
        sso_token_source=sso,
        http_client=entra,
        instance_discovery=False,
    )

    with pytest.raises(TokenError) as caught:
        await provider.get_token(MANAGER, CUSTOMER_SCOPES)

    assert caught.value.code == "authority_error"
    assert [r.method for r in entra.unexpected] == ["GET"]
    entra.unexpected.clear()
