"""The Graph client against the sandbox over real sockets: encoding, errors, retries, timeouts, paging, logs."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.auth.scopes import CUSTOMER_SCOPES, SHIFT_SCOPES
from bot.auth.tokens import DevTokenProvider, UserIdentity
from bot.graph.client import GraphClient, RetryPolicy, deadline
from bot.graph.errors import (
    GraphBadRequest,
    GraphForbidden,
    GraphNotFound,
    GraphThrottled,
    GraphUnauthorized,
    GraphUnavailable,
)
from tests.fixtures_sandbox import (
    ADELE_OID,
    BUSINESS_ID,
    MEMBER_OIDS,
    OTHER_BUSINESS_ID,
    TEAM_ID,
    TENANT_ID,
    UNSCHEDULED_TEAM_ID,
)

ADELE = UserIdentity(aad_object_id=ADELE_OID, tenant_id=TENANT_ID, name="Adele Vance")
SEED_CUSTOMER = {"displayName": "Joni Sherman", "emailAddress": "jonis@relecloud.com"}


class RecordingTokens(DevTokenProvider):
    def __init__(self, key: Any) -> None:
        super().__init__(key)
        self.issued: list[str] = []

    async def get_token(self, user: UserIdentity, scopes: tuple[str, ...]) -> str:
        token = await super().get_token(user, scopes)
        self.issued.append(token)
        return token


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


def make_client(sandbox: Any, session: aiohttp.ClientSession, **retry: Any) -> tuple[GraphClient, RecordingTokens]:
    tokens = RecordingTokens(sandbox.key)
    waits: list[float] = []

    async def fast_sleep(seconds: float) -> None:
        waits.append(seconds)

    policy = RetryPolicy(**{"max_attempts": 3, "budget_seconds": 5.0, "timeout_seconds": 2.0, **retry})
    client = GraphClient(session, sandbox.base_url, tokens, policy, sleep=fast_sleep)
    client.waits = waits  # type: ignore[attr-defined]
    return client, tokens


async def test_business_id_with_at_sign_is_percent_encoded_once(sandbox: Any, session: aiohttp.ClientSession) -> None:
    client, _ = make_client(sandbox, session)
    created = await client.post(
        ADELE, CUSTOMER_SCOPES, "solutions", "bookingBusinesses", BUSINESS_ID, "customers", body=SEED_CUSTOMER
    )
    assert created["id"] and created["displayName"] == "Joni Sherman"
    [request] = await sandbox.requests()
    assert request["path"] == "/beta/solutions/bookingBusinesses/contosolunchdelivery%40contoso.com/customers"
    assert request["body"] == SEED_CUSTOMER


@pytest.mark.parametrize(
    "hostile_id",
    ["../../me/joinedTeams", "a/b", "..", ".", "x?$filter=1", "x#frag", "%2E%2E", "a%2Fb", "contoso@x/../../y"],
)
async def test_hostile_ids_never_change_the_path(sandbox: Any, session: aiohttp.ClientSession, hostile_id: str) -> None:
    client, _ = make_client(sandbox, session)
    with pytest.raises(GraphNotFound):
        await client.get(ADELE, CUSTOMER_SCOPES, "solutions", "bookingBusinesses", hostile_id, "customers")
    [request] = await sandbox.requests()
    segments = request["path"].split("/")
    assert segments[:4] == ["", "beta", "solutions", "bookingBusinesses"] and segments[5:] == ["customers"]
    assert len(segments) == 6 and request["queryString"] == ""


async def test_graph_errors_become_typed_exceptions(sandbox: Any, session: aiohttp.ClientSession) -> None:
    client, _ = make_client(sandbox, session)
    with pytest.raises(GraphForbidden) as forbidden:
        await client.post(
            ADELE, CUSTOMER_SCOPES, "solutions", "bookingBusinesses", OTHER_BUSINESS_ID, "customers", body=SEED_CUSTOMER
        )
    assert forbidden.value.code == "ErrorFolderNotFound" and forbidden.value.request_id
    with pytest.raises(GraphBadRequest) as bad:
        await client.post(
            ADELE,
            CUSTOMER_SCOPES,
            "solutions",
            "bookingBusinesses",
            BUSINESS_ID,
            "customers",
            body={**SEED_CUSTOMER, "nickname": "JJ"},
        )
    assert bad.value.code == "RequestBodyRead" and "nickname" in bad.value.message
    with pytest.raises(GraphForbidden) as no_scope:  # a token without the needed scope
        await client.get(ADELE, ("User.Read",), "me", "joinedTeams")
    assert no_scope.value.status == 403


async def test_shifts_json_in_message_is_unpacked(sandbox: Any, session: aiohttp.ClientSession) -> None:
    client, _ = make_client(sandbox, session)
    inner = (
        '{"error":{"code":"Forbidden","message":"Sorry, you need to be an admin to do this.","details":[],'
        '"innererror":{"code":"MissingAdminPermissions"}}}'
    )
    await sandbox.inject(status=403, code="Forbidden", message=inner)
    with pytest.raises(GraphForbidden) as caught:
        await client.get(ADELE, SHIFT_SCOPES, "teams", TEAM_ID, "schedule")
    assert (caught.value.code, caught.value.inner_code) == ("Forbidden", "MissingAdminPermissions")
    assert caught.value.message == "Sorry, you need to be an admin to do this."


async def test_bad_token_is_401(sandbox: Any, session: aiohttp.ClientSession) -> None:
    class Garbage:
        async def get_token(self, user: UserIdentity, scopes: tuple[str, ...]) -> str:
            return "not-a-jwt"

    client = GraphClient(session, sandbox.base_url, Garbage())
    with pytest.raises(GraphUnauthorized):
        await client.get(ADELE, SHIFT_SCOPES, "me", "joinedTeams")


async def test_429_is_retried_after_retry_after(sandbox: Any, session: aiohttp.ClientSession) -> None:
    client, _ = make_client(sandbox, session)
    await sandbox.inject(status=429, count=2, retryAfter=1)
    teams = await client.get_all(ADELE, SHIFT_SCOPES, "me", "joinedTeams")
    assert TEAM_ID in {t["id"] for t in teams}
    assert client.waits == [1.0, 1.0]  # type: ignore[attr-defined]
    assert [r["status"] for r in await sandbox.requests()] == [429, 429, 200]


async def test_retries_stop_at_the_attempt_cap(sandbox: Any, session: aiohttp.ClientSession) -> None:
    client, _ = make_client(sandbox, session, max_attempts=3)
    await sandbox.inject(status=503, count=10, retryAfter=0)
    with pytest.raises(GraphUnavailable) as caught:
        await client.get(ADELE, SHIFT_SCOPES, "teams", TEAM_ID, "schedule")
    assert caught.value.status == 503
    assert len(await sandbox.requests()) == 3


async def test_a_retry_after_beyond_the_budget_is_not_waited_for(sandbox: Any, session: aiohttp.ClientSession) -> None:
    client, _ = make_client(sandbox, session, budget_seconds=3.0)
    await sandbox.inject(status=429, count=1, retryAfter=30)
    with pytest.raises(GraphThrottled) as caught:
        await client.get(ADELE, SHIFT_SCOPES, "teams", TEAM_ID, "schedule")
    assert caught.value.retry_after == 30
    assert client.waits == []  # type: ignore[attr-defined]


async def test_a_post_is_retried_on_429_only(sandbox: Any, session: aiohttp.ClientSession) -> None:
    """A 5xx or a timeout may follow the write: only a 429 says the POST was not processed."""
    client, _ = make_client(sandbox, session, timeout_seconds=0.5)
    path = ("solutions", "bookingBusinesses", BUSINESS_ID, "customers")
    await sandbox.inject(status=429, count=1, retryAfter=0)
    await client.post(ADELE, CUSTOMER_SCOPES, *path, body=SEED_CUSTOMER)
    assert [r["status"] for r in await sandbox.requests()] == [429, 201]
    for fault in ({"status": 503, "retryAfter": 0}, {"status": 504}, {"status": 500}, {"delay": 1.0}):
        await sandbox.reset()
        await sandbox.inject(count=1, **fault)
        with pytest.raises(GraphUnavailable):
            await client.post(ADELE, CUSTOMER_SCOPES, *path, body=SEED_CUSTOMER)
        assert len(await sandbox.requests()) == 1, fault


async def test_a_next_link_to_another_host_is_not_followed(sandbox: Any, session: aiohttp.ClientSession) -> None:
    client, tokens = make_client(sandbox, session)
    page = {"value": [{"id": "t1"}], "@odata.nextLink": "https://evil.example/beta/me/joinedTeams?$skiptoken=2"}
    await sandbox.inject(status=200, count=1, body=page)
    found = await client.collection(ADELE, SHIFT_SCOPES, "me", "joinedTeams")
    assert found.items == [{"id": "t1"}] and not found.complete
    assert len(await sandbox.requests()) == 1 and len(tokens.issued) == 1


async def test_a_paging_cap_reached_is_logged_and_reported(
    sandbox: Any, session: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    client, _ = make_client(sandbox, session)
    with caplog.at_level(logging.WARNING, logger="managerdesk.graph"):
        cut = await client.collection(
            ADELE, SHIFT_SCOPES, "teams", TEAM_ID, "members", params={"$top": "2"}, max_pages=2
        )
    assert len(cut.items) == 4 and not cut.complete
    assert "paging cap reached" in caplog.text
    whole = await client.collection(ADELE, SHIFT_SCOPES, "teams", TEAM_ID, "members", params={"$top": "2"})
    assert len(whole.items) == len(MEMBER_OIDS) and whole.complete


async def test_every_call_has_a_timeout(sandbox: Any, session: aiohttp.ClientSession) -> None:
    client, _ = make_client(sandbox, session, timeout_seconds=0.3, max_attempts=1)
    await sandbox.inject(delay=2.0, count=1)
    with pytest.raises(GraphUnavailable) as caught:
        await client.get(ADELE, SHIFT_SCOPES, "teams", TEAM_ID, "schedule")
    assert caught.value.status == 0 and caught.value.code == "timeout"


async def test_get_all_follows_next_links(sandbox: Any, session: aiohttp.ClientSession) -> None:
    client, _ = make_client(sandbox, session)
    members = await client.get_all(ADELE, SHIFT_SCOPES, "teams", TEAM_ID, "members", params={"$top": "2"})
    assert [m["userId"] for m in members] == list(MEMBER_OIDS)
    assert len(await sandbox.requests()) == 3


async def test_logs_carry_request_ids_but_never_the_token(
    sandbox: Any, session: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client, tokens = make_client(sandbox, session)
    await sandbox.inject(status=429, count=1, retryAfter=0)
    await client.get(ADELE, SHIFT_SCOPES, "teams", TEAM_ID, "schedule")
    with pytest.raises(GraphNotFound):
        await client.get(ADELE, SHIFT_SCOPES, "teams", "no-such-team", "schedule")
    text = caplog.text
    assert "request-id=" in text and "client-request-id=" in text
    assert tokens.issued and not any(token in text for token in tokens.issued)
    assert "Bearer" not in text
    sent = await sandbox.requests()
    assert all(r["headers"].get("client-request-id") for r in sent)


async def test_a_deadline_bounds_all_calls_and_waits_together(sandbox: Any, session: aiohttp.ClientSession) -> None:
    client, _ = make_client(sandbox, session, timeout_seconds=5.0, budget_seconds=10.0)
    await sandbox.inject(status=429, count=1, retryAfter=2)
    with deadline(1.0), pytest.raises(GraphThrottled):  # a 2 s Retry-After does not fit in what is left
        await client.get(ADELE, SHIFT_SCOPES, "teams", TEAM_ID, "schedule")
    assert client.waits == []  # type: ignore[attr-defined]
    with deadline(0.5), pytest.raises(GraphThrottled):  # the team is held for those 2 s: not even sent
        await client.get(ADELE, SHIFT_SCOPES, "teams", TEAM_ID, "schedule")
    assert len(await sandbox.requests()) == 1
    await sandbox.inject(delay=3.0, count=1)
    started = time.monotonic()
    with deadline(0.5), pytest.raises(GraphUnavailable):
        await client.get(ADELE, SHIFT_SCOPES, "teams", UNSCHEDULED_TEAM_ID, "schedule")
    assert time.monotonic() - started < 1.5
