"""Graph's per-resource limits kept by the client (bot/graph/pacing.py): 4 writes per second on a team; a 429
on a team holds the whole team for its Retry-After; 4 in flight on a Bookings mailbox; a call that cannot get
its turn before the deadline is refused without being sent. Checked against the sandbox over real sockets, with
the times at which the sandbox received each request."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.auth.scopes import CUSTOMER_SCOPES, SHIFT_SCOPES
from bot.auth.tokens import DevTokenProvider, UserIdentity
from bot.graph.client import PACED, GraphClient, RetryPolicy, deadline, track_writes
from bot.graph.errors import GraphNotFound, GraphThrottled
from bot.graph.pacing import Scope, TeamLimiter
from tests.fixtures_sandbox import ADELE_OID, BUSINESS_ID, TEAM_ID, TENANT_ID, UNSCHEDULED_TEAM_ID, SandboxHandle

ADELE = UserIdentity(aad_object_id=ADELE_OID, tenant_id=TENANT_ID, name="Adele Vance")
WINDOW = 1.0  # Graph's second; the client keeps a small margin above it


@pytest.fixture
async def client(sandbox: SandboxHandle) -> AsyncIterator[GraphClient]:
    async def no_backoff(_: float) -> None:
        return None  # the client's own retry wait is skipped: only the team's pace can make a call wait

    async with aiohttp.ClientSession() as session:
        yield GraphClient(session, sandbox.base_url, DevTokenProvider(sandbox.key), RetryPolicy(), sleep=no_backoff)


def arrivals(log: list[dict[str, Any]], fragment: str) -> list[float]:
    return sorted(entry["receivedAt"] for entry in log if fragment in entry["path"])


def most_in_one_window(stamps: list[float]) -> int:
    return max(sum(1 for other in stamps if start <= other < start + WINDOW) for start in stamps)


async def list_shifts(client: GraphClient, team_id: str = TEAM_ID) -> Any:
    return await client.get_all(ADELE, SHIFT_SCOPES, "teams", team_id, "schedule", "shifts")


async def delete_shift(client: GraphClient, n: int, team_id: str = TEAM_ID) -> None:
    """A write that Graph refuses (no such shift): it still counts in the team's second."""
    with pytest.raises(GraphNotFound):
        await client.delete(ADELE, SHIFT_SCOPES, "teams", team_id, "schedule", "shifts", f"SHFT_missing-{n}")


async def test_nine_writes_on_one_team_never_put_five_in_one_second(
    client: GraphClient, sandbox: SandboxHandle
) -> None:
    await asyncio.gather(*(delete_shift(client, n) for n in range(9)))
    stamps = arrivals(await sandbox.requests(), f"/teams/{TEAM_ID}/")
    assert len(stamps) == 9
    assert most_in_one_window(stamps) == 4
    assert stamps[-1] - stamps[0] >= 2 * WINDOW  # three rounds of four


async def test_reads_are_not_held_by_the_writes_pace(client: GraphClient, sandbox: SandboxHandle) -> None:
    await asyncio.gather(*(delete_shift(client, n) for n in range(4)), *(list_shifts(client) for _ in range(8)))
    stamps = arrivals(await sandbox.requests(), f"/teams/{TEAM_ID}/")
    assert len(stamps) == 12 and stamps[-1] - stamps[0] < WINDOW / 2


async def test_two_teams_do_not_wait_for_each_other(client: GraphClient, sandbox: SandboxHandle) -> None:
    calls = [delete_shift(client, n) for n in range(4)]
    calls += [delete_shift(client, n, UNSCHEDULED_TEAM_ID) for n in range(4)]
    await asyncio.gather(*calls)
    stamps = sorted(entry["receivedAt"] for entry in await sandbox.requests())
    assert len(stamps) == 8 and stamps[-1] - stamps[0] < WINDOW / 2


async def test_a_429_on_a_team_holds_every_call_on_that_team_for_its_retry_after(
    client: GraphClient, sandbox: SandboxHandle
) -> None:
    await sandbox.inject(status=429, retryAfter=1, count=1, match=r"^GET .*/schedule/shifts$")
    first = asyncio.create_task(list_shifts(client))
    await asyncio.sleep(0.2)  # the 429 has come back
    other = asyncio.create_task(client.get(ADELE, SHIFT_SCOPES, "teams", TEAM_ID, "schedule"))
    elsewhere = await client.get(ADELE, SHIFT_SCOPES, "teams", UNSCHEDULED_TEAM_ID, "schedule")
    await asyncio.gather(first, other)
    log = await sandbox.requests()
    refused = next(e["receivedAt"] for e in log if e["status"] == 429)
    later = [e["receivedAt"] for e in log if f"/teams/{TEAM_ID}/" in e["path"] and e["status"] == 200]
    assert len(later) == 2 and min(later) - refused >= 1.0  # the retry and the other call both waited
    assert elsewhere["id"]  # the other team answered at once
    [free] = [e["receivedAt"] for e in log if UNSCHEDULED_TEAM_ID in e["path"]]
    assert free - refused < 0.5


async def test_a_refused_write_holds_the_teams_writes_but_not_its_reads(
    client: GraphClient, sandbox: SandboxHandle
) -> None:
    await sandbox.inject(status=429, retryAfter=1, count=1, match=r"^DELETE ")
    write = asyncio.create_task(delete_shift(client, 0))  # refused, then retried once the second is over
    await asyncio.sleep(0.2)
    await list_shifts(client)
    await write
    log = await sandbox.requests()
    refused, retried = [e["receivedAt"] for e in log if e["method"] == "DELETE"]
    [read] = [e["receivedAt"] for e in log if e["method"] == "GET"]
    assert retried - refused >= 1.0 and read - refused < 0.5


async def test_a_call_that_cannot_get_its_turn_before_the_deadline_is_not_sent(
    client: GraphClient, sandbox: SandboxHandle
) -> None:
    await asyncio.gather(*(delete_shift(client, n) for n in range(4)))  # the team's second is used up
    body = {"userId": ADELE_OID, "sharedShift": {"startDateTime": "2026-12-24T08:00:00Z"}}
    with track_writes() as writes, deadline(0.3), pytest.raises(GraphThrottled) as refused:
        await client.post(ADELE, SHIFT_SCOPES, "teams", TEAM_ID, "schedule", "shifts", body=body)
    assert refused.value.code == PACED and refused.value.status == 429
    assert writes.sent == 0  # nothing went out: a plain failure, not an unknown outcome
    assert [e["method"] for e in await sandbox.requests()] == ["DELETE"] * 4


async def test_a_bookings_mailbox_has_at_most_four_calls_in_flight(client: GraphClient, sandbox: SandboxHandle) -> None:
    await sandbox.inject(delay=0.4, count=8, match=r"^GET .*/bookingBusinesses/[^/]+/customers$")
    segments = ("solutions", "bookingBusinesses", BUSINESS_ID, "customers")
    started = time.monotonic()
    await asyncio.gather(*(client.get(ADELE, CUSTOMER_SCOPES, *segments) for _ in range(8)))
    stamps = arrivals(await sandbox.requests(), "/customers")
    assert len(stamps) == 8
    assert stamps[3] - stamps[0] < 0.2 and stamps[4] - stamps[0] >= 0.4  # the fifth waited for a free slot
    assert time.monotonic() - started >= 0.8


def test_which_resource_a_call_is_on() -> None:
    assert Scope.of(("teams", "T1", "schedule", "shifts")) == Scope("team", "T1")
    assert Scope.of(("teams", "T1")) == Scope("team", "T1")
    assert Scope.of(("solutions", "bookingBusinesses", "b@x", "customers")) == Scope("mailbox", "b@x")
    assert Scope.of(("me", "joinedTeams")) == Scope()
    assert Scope.of(("teams",)) == Scope()


async def test_the_limiter_keeps_four_a_window_and_honours_retry_after() -> None:
    limiter = TeamLimiter(per_second=4, window=0.2)
    started = time.monotonic()
    stamps = []
    for _ in range(9):
        await limiter.acquire()
        stamps.append(time.monotonic() - started)
    assert stamps[3] < 0.1 and 0.2 <= stamps[4] < 0.3 and 0.4 <= stamps[8] < 0.55
    for first, fifth in zip(stamps, stamps[4:], strict=False):
        assert fifth - first >= 0.2 - 0.005  # never 5 in one window
    limiter.pause(0.3)
    paused = time.monotonic()
    await asyncio.gather(limiter.acquire(), limiter.acquire())
    assert time.monotonic() - paused >= 0.29


async def test_a_turn_given_up_is_not_counted() -> None:
    limiter = TeamLimiter(per_second=1, window=0.3)
    assert await limiter.acquire(within=0.0)
    assert not await limiter.acquire(within=0.05)  # the window is full: gave up, recorded nothing
    await asyncio.sleep(0.3)
    assert await limiter.acquire(within=0.0)


async def test_a_retry_after_longer_than_the_wait_allowed_is_refused_at_once_not_after_waiting() -> None:
    limiter = TeamLimiter(per_second=4, window=0.2)
    limiter.pause(10.0)
    started = time.monotonic()
    assert not await limiter.acquire(within=1.0)
    assert time.monotonic() - started < 0.1
    assert 9.0 < limiter.ready_in() <= 10.0
