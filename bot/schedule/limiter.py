"""A client-side limiter for Shifts writes: at most 4 per second per team (NOTES.md §6), and a team-wide pause when
Graph answers 429 with Retry-After, so that the other writes in flight wait too instead of being refused one by one.

The shape follows python-telegram-bot's AIORateLimiter: one limiter per group (here: per team), an event that
is cleared while a Retry-After runs and that every caller waits on, and the retry loop in the caller. The window
is a sliding second with a small margin, because Graph counts requests when it receives them, not when we send
them."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

WRITES_PER_SECOND = 4
WINDOW_SECONDS = 1.0
MARGIN_SECONDS = 0.05  # network jitter between our clock and Graph's


@dataclass
class TeamLimiter:
    per_second: int = WRITES_PER_SECOND
    window: float = WINDOW_SECONDS + MARGIN_SECONDS
    clock: Callable[[], float] = time.monotonic
    _sent: deque[float] = field(default_factory=deque)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _resume_at: float = 0.0

    async def acquire(self) -> None:
        """Waits until one more write fits in the window and no Retry-After is running; records it."""
        async with self._lock:  # one waiter at a time keeps the order of requests
            while True:
                now = self.clock()
                wait = max(self._resume_at - now, self._window_wait(now))
                if wait <= 0:
                    self._sent.append(now)
                    return
                await asyncio.sleep(wait)

    def _window_wait(self, now: float) -> float:
        while self._sent and self._sent[0] <= now - self.window:
            self._sent.popleft()
        if len(self._sent) < self.per_second:
            return 0.0
        return self._sent[0] + self.window - now

    def pause(self, seconds: float) -> None:
        """Graph said Retry-After: no write on this team before then."""
        self._resume_at = max(self._resume_at, self.clock() + seconds)


@dataclass
class Limiters:
    """One limiter per team, for every write of this process."""

    per_second: int = WRITES_PER_SECOND
    _teams: dict[str, TeamLimiter] = field(default_factory=dict)

    def of(self, team_id: str) -> TeamLimiter:
        return self._teams.setdefault(team_id.lower(), TeamLimiter(self.per_second))
