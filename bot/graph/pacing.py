"""Graph's per-resource limits, kept on our side so that a burst waits its turn instead of being refused:

- Teams and Shifts: "A maximum of 4 requests per second per app can be issued on a given team or channel"
  (NOTES.md §6). Every write under /teams/{id} takes a slot in that team's sliding second, and a 429 with
  Retry-After pauses the team's writes (and its reads too when a read was refused), so that the calls in flight
  wait too instead of being refused one by one. Reads are not counted: the current limits table gives reads
  their own, larger token bucket (NOTES.md §6, QA), and counting them would cost every form about a second
  (docs/decisions.md).
- Bookings: "four concurrent requests" per app and mailbox (NOTES.md §6): at most 4 calls in flight under
  /solutions/bookingBusinesses/{id}.

The shape follows python-telegram-bot's AIORateLimiter: one limiter per group (here: per team), a time before
which nobody on the team goes while a Retry-After runs, and the retry loop in the caller. The window
is a sliding second with a small margin, because Graph counts requests when it receives them, not when we send
them. The pace is per process: with several instances each keeps its own, and Graph's 429s (honoured team-wide)
cover the rest (docs/decisions.md)."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from cachetools import LRUCache

REQUESTS_PER_SECOND = 4
WINDOW_SECONDS = 1.0
MARGIN_SECONDS = 0.05  # network jitter between our clock and Graph's
MAILBOX_IN_FLIGHT = 4
KNOWN_RESOURCES = 4096  # teams and mailboxes whose pace is remembered; the least recently used is forgotten


@dataclass
class TeamLimiter:
    per_second: int = REQUESTS_PER_SECOND
    window: float = WINDOW_SECONDS + MARGIN_SECONDS
    clock: Callable[[], float] = time.monotonic
    _sent: deque[float] = field(default_factory=deque)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _resume_at: float = 0.0  # writes wait for this
    _reads_resume_at: float = 0.0

    async def acquire(self, within: float | None = None) -> bool:
        """Waits until one more request fits in the window and no Retry-After is running, and records it.
        False (nothing recorded) when that would take longer than `within` seconds: at once when that is known
        already (a Retry-After running longer), rather than after waiting `within` for nothing."""
        if within is not None and self.ready_in() > within:
            return False
        try:
            async with asyncio.timeout(within):
                await self._take_slot()
        except TimeoutError:
            return False
        return True

    async def _take_slot(self) -> None:
        async with self._lock:  # one waiter at a time keeps the order of requests
            while True:
                wait = self.ready_in()
                if wait <= 0:
                    self._sent.append(self.clock())
                    return
                await asyncio.sleep(wait)

    async def wait_out_pause(self, within: float | None = None) -> bool:
        """For a call that is not counted (a read): waits only for a Retry-After that is running.
        False when that lasts longer than `within` seconds."""
        wait = self._reads_resume_at - self.clock()
        if wait <= 0:
            return True
        if within is not None and wait > within:
            return False
        await asyncio.sleep(wait)
        return True

    def _window_wait(self, now: float) -> float:
        while self._sent and self._sent[0] <= now - self.window:
            self._sent.popleft()
        if len(self._sent) < self.per_second:
            return 0.0
        return self._sent[0] + self.window - now

    def ready_in(self) -> float:
        """Seconds before a write could go, as far as this process knows."""
        now = self.clock()
        return max(self._resume_at - now, self._window_wait(now), 0.0)

    def pause(self, seconds: float, *, reads: bool = True) -> None:
        """Graph said Retry-After: no write on this team before then, and no read either when a read was refused
        (a refused write says nothing about reads, which have their own, larger bucket)."""
        until = self.clock() + seconds
        self._resume_at = max(self._resume_at, until)
        if reads:
            self._reads_resume_at = max(self._reads_resume_at, until)


class Pacing:
    """The limits of one process, for every Graph call it makes (one instance per app, shared by its clients)."""

    def __init__(self, per_second: int = REQUESTS_PER_SECOND, mailbox_in_flight: int = MAILBOX_IN_FLIGHT) -> None:
        self.per_second = per_second
        self.mailbox_in_flight = mailbox_in_flight
        self._teams: LRUCache[str, TeamLimiter] = LRUCache(KNOWN_RESOURCES)
        self._mailboxes: LRUCache[str, asyncio.Semaphore] = LRUCache(KNOWN_RESOURCES)

    def team(self, team_id: str) -> TeamLimiter:
        key = team_id.lower()
        found = self._teams.get(key)
        if found is None:
            found = self._teams[key] = TeamLimiter(self.per_second)
        return found

    def mailbox(self, business_id: str) -> asyncio.Semaphore:
        key = business_id.lower()
        found = self._mailboxes.get(key)
        if found is None:
            found = self._mailboxes[key] = asyncio.Semaphore(self.mailbox_in_flight)
        return found

    def gate(self, scope: Scope) -> asyncio.Semaphore | None:
        """The concurrent slots of a mailbox; None for resources limited by rate only."""
        return self.mailbox(scope.resource_id) if scope.kind == "mailbox" else None


@dataclass(frozen=True)
class Scope:
    """Which limited resource a call is on: ("team", id), ("mailbox", id) or ("", "") for none."""

    kind: str = ""
    resource_id: str = ""

    @staticmethod
    def of(segments: Sequence[str]) -> Scope:
        if len(segments) >= 2 and segments[0] == "teams" and segments[1]:
            return Scope("team", segments[1])
        if len(segments) >= 3 and tuple(segments[:2]) == ("solutions", "bookingBusinesses") and segments[2]:
            return Scope("mailbox", segments[2])
        return Scope()


NO_SCOPE = Scope()
