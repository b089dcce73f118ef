"""Shifts' per-team write limit: at most 4 writes (POST, PUT, PATCH, DELETE under /teams/{id}/schedule) per
second per app on one team (NOTES.md §6). Above it: 429 TooManyRequests with Retry-After in whole seconds.

A sliding one-second window per team; a refused write does not use up the window (see sandbox/README.md)."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

WRITES_PER_SECOND = 4
WINDOW_SECONDS = 1.0


@dataclass
class WriteLimiter:
    per_second: int = WRITES_PER_SECOND
    clock: Callable[[], float] = time.monotonic
    _writes: dict[str, deque[float]] = field(default_factory=dict)

    def admit(self, team_id: str) -> int | None:
        """Records one write on the team and returns None; above the limit, the Retry-After seconds instead."""
        now = self.clock()
        window = self._writes.setdefault(team_id.lower(), deque())
        while window and window[0] <= now - WINDOW_SECONDS:
            window.popleft()
        if len(window) >= self.per_second:
            wait = window[0] + WINDOW_SECONDS - now
            return max(1, math.ceil(wait))
        window.append(now)
        return None
