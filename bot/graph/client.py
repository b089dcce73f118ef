"""A small Microsoft Graph client on one shared aiohttp session, acting with the user's delegated token.

- Path segments are percent-encoded one by one, so an id can never change the path.
- 429/503/504 are retried honouring Retry-After, within a cap on attempts and on total waiting time
  (Teams wants an answer to an invoke within 5 s, so waiting longer than the budget is not an option).
- A POST or PATCH is retried only on 429, the one answer that says the request was not processed: a 5xx, a
  timeout or a reset may come after the write, so the outcome is unknown and only the caller can decide
  (look first, then send again).
- Calls are paced per Graph resource (bot/graph/pacing.py): 4 writes per second on a team, 4 calls in flight on
  a Bookings mailbox; a 429 on a team pauses the team's writes (and its reads, after a refused read) for its
  Retry-After. A call that could not get a slot before its deadline is refused here, as a 429 never sent.
- @odata.nextLink is followed only to the configured Graph origin (the user's token goes nowhere else), and a
  collection cut short (paging cap, foreign link) says so: `Collection.complete` is False.
- Logs carry the request id and client-request-id, never the token."""

from __future__ import annotations

import asyncio
import contextvars
import email.utils
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp
from yarl import URL

from bot.auth.tokens import TokenProvider, UserIdentity
from bot.graph.errors import GraphError, GraphThrottled, GraphUnavailable, error_from_response
from bot.graph.pacing import NO_SCOPE, Pacing, Scope

log = logging.getLogger("managerdesk.graph")

RETRYABLE = frozenset({429, 503, 504})
RETRYABLE_WRITE = frozenset({429})  # only a 429 is known not to have been processed
IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
READS = frozenset({"GET", "HEAD", "OPTIONS"})  # not counted in a team's writes per second
MAX_PAGES = 50
PACED = "pacedByClient"  # the code of a 429 made here: the pace had no slot before the deadline, nothing was sent


@dataclass(frozen=True)
class Collection:
    items: list[dict[str, Any]]
    complete: bool = True  # False: paging stopped early (cap reached, or a next link to another host)


# The monotonic time by which every Graph call of the current task must be over (None: no deadline).
_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("graph_deadline", default=None)
# True inside `deadline(..., patient=True)`: one attempt may take all the time left, not just the usual timeout.
_patient: contextvars.ContextVar[bool] = contextvars.ContextVar("graph_patient", default=False)


@contextmanager
def deadline(seconds: float, *, patient: bool = False) -> Iterator[None]:
    """Bounds the total time of every Graph call made inside the block — timeouts and Retry-After waits
    included — e.g. so that a card action answers within Teams' 5-second limit however many calls it makes.
    `patient`: a background create waits for a slow answer rather than making its outcome unknown."""
    token = _deadline.set(time.monotonic() + seconds)
    patience = _patient.set(patient)
    try:
        yield
    finally:
        _patient.reset(patience)
        _deadline.reset(token)


@dataclass
class WriteLog:
    """Counts the writes (non-idempotent requests) put on the wire inside `track_writes()`: when a call
    fails with an unknown outcome, a failure before any write is a plain failure, nothing was created."""

    sent: int = 0


_writes: contextvars.ContextVar[WriteLog | None] = contextvars.ContextVar("graph_writes", default=None)


@contextmanager
def track_writes() -> Iterator[WriteLog]:
    log_ = WriteLog()
    token = _writes.set(log_)
    try:
        yield log_
    finally:
        _writes.reset(token)


def _remaining() -> float | None:
    end = _deadline.get()
    return None if end is None else end - time.monotonic()


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 3
    budget_seconds: float = 3.0  # total time we may spend waiting between attempts
    timeout_seconds: float = 4.0  # per attempt
    default_backoff: float = 0.5  # when a retryable answer has no Retry-After


def encode_segment(segment: str) -> str:
    """One path segment, fully percent-encoded. '.' and '..' are encoded too: URL normalisation would
    otherwise read them as 'this folder' and 'the parent folder'."""
    encoded = quote(segment, safe="")
    return encoded.replace(".", "%2E") if set(segment) <= {"."} else encoded


class GraphClient:
    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        tokens: TokenProvider,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        pacing: Pacing | None = None,
    ) -> None:
        self._session = session
        self._base = base_url.rstrip("/")
        self._origin = URL(self._base).origin()
        self._tokens = tokens
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._pacing = pacing or Pacing()

    def with_retry(self, retry: RetryPolicy) -> GraphClient:
        """The same client (session, tokens, base) with another retry policy, e.g. one attempt only for a caller
        that paces and retries its own writes."""
        return GraphClient(self._session, self._base, self._tokens, retry, self._sleep, self._pacing)

    def url(self, *segments: str, params: dict[str, str] | None = None) -> URL:
        path = "/".join(encode_segment(s) for s in segments)
        url = URL(f"{self._base}/{path}", encoded=True)
        return url.update_query(params) if params else url

    async def get(
        self, user: UserIdentity, scopes: Sequence[str], *segments: str, params: dict[str, str] | None = None
    ) -> dict[str, Any]:
        return await self._request("GET", self.url(*segments, params=params), user, tuple(scopes), Scope.of(segments))

    async def get_all(
        self,
        user: UserIdentity,
        scopes: Sequence[str],
        *segments: str,
        params: dict[str, str] | None = None,
        max_pages: int = MAX_PAGES,
    ) -> list[dict[str, Any]]:
        """A collection's items (see `collection` for whether that is all of them)."""
        found = await self.collection(user, scopes, *segments, params=params, max_pages=max_pages)
        return found.items

    async def collection(
        self,
        user: UserIdentity,
        scopes: Sequence[str],
        *segments: str,
        params: dict[str, str] | None = None,
        max_pages: int = MAX_PAGES,
    ) -> Collection:
        """A collection, following @odata.nextLink verbatim, on the configured Graph origin only."""
        url: URL | None = self.url(*segments, params=params)
        items: list[dict[str, Any]] = []
        for _ in range(max_pages):
            if url is None:
                return Collection(items)
            page = await self._request("GET", url, user, tuple(scopes), Scope.of(segments))
            value = page.get("value")
            if isinstance(value, list):
                items.extend(item for item in value if isinstance(item, dict))
            url = self._next_link(page.get("@odata.nextLink"))
            if url is _FOREIGN:
                return Collection(items, complete=False)
        if url is None:
            return Collection(items)
        log.warning(
            "graph paging cap reached path=%s pages=%d items=%d", self.url(*segments).path, max_pages, len(items)
        )
        return Collection(items, complete=False)

    def _next_link(self, link: Any) -> URL | None:
        if not isinstance(link, str) or not link:
            return None
        try:
            url = URL(link, encoded=True)
            same_origin = url.absolute and url.origin() == self._origin
        except ValueError:
            url, same_origin = _FOREIGN, False
        if not same_origin:
            log.warning("graph next link to another origin ignored host=%s", url.host)
            return _FOREIGN
        return url

    async def post(
        self, user: UserIdentity, scopes: Sequence[str], *segments: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        return await self._request("POST", self.url(*segments), user, tuple(scopes), Scope.of(segments), body)

    async def put(
        self, user: UserIdentity, scopes: Sequence[str], *segments: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        """A full replacement; {} when Graph answers 204 (Shifts does unless asked for the representation)."""
        return await self._request("PUT", self.url(*segments), user, tuple(scopes), Scope.of(segments), body)

    async def patch(
        self, user: UserIdentity, scopes: Sequence[str], *segments: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        return await self._request("PATCH", self.url(*segments), user, tuple(scopes), Scope.of(segments), body)

    async def delete(self, user: UserIdentity, scopes: Sequence[str], *segments: str) -> None:
        await self._request("DELETE", self.url(*segments), user, tuple(scopes), Scope.of(segments))

    async def _request(
        self,
        method: str,
        url: URL,
        user: UserIdentity,
        scopes: tuple[str, ...],
        scope: Scope = NO_SCOPE,
        body: Any = None,
    ) -> dict[str, Any]:
        retryable = RETRYABLE if method in IDEMPOTENT else RETRYABLE_WRITE
        started = time.monotonic()
        client_request_id = str(uuid.uuid4())
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._attempt(method, url, user, scopes, scope, body, client_request_id)
            except GraphError as error:
                self._note_throttling(method, scope, error)
                wait = self._wait_before_retry(error, attempt, started, retryable)
                if wait is None:
                    raise
                log.info(
                    "graph retry method=%s status=%s wait=%.2fs attempt=%d request-id=%s client-request-id=%s",
                    method,
                    error.status,
                    wait,
                    attempt,
                    error.request_id,
                    client_request_id,
                )
                await self._sleep(wait)

    def _note_throttling(self, method: str, scope: Scope, error: GraphError) -> None:
        """A 429 on a team: every write on that team (and every read, if a read was refused) waits out the
        Retry-After, not only this call."""
        if error.status == 429 and scope.kind == "team" and error.code != PACED:
            wait = error.retry_after if error.retry_after is not None else self._retry.default_backoff
            self._pacing.team(scope.resource_id).pause(wait, reads=method in READS)

    @asynccontextmanager
    async def _slot(self, method: str, scope: Scope, client_request_id: str) -> AsyncIterator[None]:
        """Waits for the resource's pace, within the deadline (leaving time for the call itself)."""
        remaining = _remaining()
        within = None if remaining is None else max(0.0, remaining - 0.2)
        if scope.kind == "team":
            team = self._pacing.team(scope.resource_id)
            turn = team.wait_out_pause(within) if method in READS else team.acquire(within)
            if not await turn:
                raise GraphThrottled(
                    status=429, code=PACED, client_request_id=client_request_id, retry_after=team.ready_in()
                )
        gate = self._pacing.gate(scope)
        if gate is None:
            yield
            return
        try:
            async with asyncio.timeout(within):
                await gate.acquire()
        except TimeoutError:
            raise GraphThrottled(status=429, code=PACED, client_request_id=client_request_id) from None
        try:
            yield
        finally:
            gate.release()

    def _wait_before_retry(
        self, error: GraphError, attempt: int, started: float, retryable: frozenset[int]
    ) -> float | None:
        if error.status not in retryable or attempt >= self._retry.max_attempts:
            return None
        wait = error.retry_after if error.retry_after is not None else self._retry.default_backoff * 2 ** (attempt - 1)
        spent = time.monotonic() - started
        remaining = _remaining()
        if remaining is not None and wait + 0.2 >= remaining:  # leave time for the attempt itself
            return None
        return wait if spent + wait <= self._retry.budget_seconds else None

    async def _attempt(
        self,
        method: str,
        url: URL,
        user: UserIdentity,
        scopes: tuple[str, ...],
        scope: Scope,
        body: Any,
        client_request_id: str,
    ) -> dict[str, Any]:
        async with self._slot(method, scope, client_request_id):
            return await self._send(method, url, user, scopes, body, client_request_id)

    async def _send(
        self,
        method: str,
        url: URL,
        user: UserIdentity,
        scopes: tuple[str, ...],
        body: Any,
        client_request_id: str,
    ) -> dict[str, Any]:
        token = await self._tokens.get_token(user, scopes)
        headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/json",
            "client-request-id": client_request_id,
            "return-client-request-id": "true",
        }
        remaining = _remaining()
        if remaining is not None and remaining <= 0:
            raise GraphUnavailable(status=0, code="timeout", client_request_id=client_request_id)
        seconds = self._retry.timeout_seconds if remaining is None else min(self._retry.timeout_seconds, remaining)
        if remaining is not None and _patient.get():
            seconds = remaining
        writes = _writes.get()
        if writes is not None and method not in IDEMPOTENT:
            writes.sent += 1
        timeout = aiohttp.ClientTimeout(total=seconds)
        started = time.monotonic()
        try:
            async with self._session.request(method, url, json=body, headers=headers, timeout=timeout) as resp:
                payload = await _json_or_none(resp)
                status, resp_headers = resp.status, {k.lower(): v for k, v in resp.headers.items()}
        except (TimeoutError, aiohttp.ClientError) as exc:
            log.warning(
                "graph failed method=%s path=%s error=%s client-request-id=%s",
                method,
                url.path,
                type(exc).__name__,
                client_request_id,
            )
            raise GraphUnavailable(status=0, code="timeout", client_request_id=client_request_id) from exc
        log.log(
            logging.DEBUG if status < 400 else logging.INFO,  # operators need failures; every call is for debugging
            "graph method=%s path=%s status=%d ms=%d request-id=%s client-request-id=%s",
            method,
            url.path,
            status,
            (time.monotonic() - started) * 1000,
            resp_headers.get("request-id"),
            client_request_id,
        )
        if status >= 400:
            raise error_from_response(status, payload, resp_headers, _retry_after(resp_headers.get("retry-after")))
        return payload if isinstance(payload, dict) else {}


_FOREIGN = URL("about:foreign")  # marks a next link that leaves the Graph origin


async def _json_or_none(resp: aiohttp.ClientResponse) -> Any:
    text = await resp.text()
    if not text:
        return None
    try:
        return await resp.json(content_type=None)
    except ValueError:
        return None


def _retry_after(value: str | None) -> float | None:
    """Retry-After is seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
