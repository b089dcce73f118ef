"""Thread pools of our own for the blocking work we cannot avoid (SQLite, MSAL, the SDK's synchronous team
lookup), so that none of it queues behind, or starves, the event loop's default pool."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Literal, TypeVar

T = TypeVar("T")
Pool = Literal["storage", "msal", "connector"]

_SIZES: dict[Pool, int] = {"storage": 4, "msal": 4, "connector": 2}
_POOLS: dict[Pool, ThreadPoolExecutor] = {}


def pool(name: Pool) -> ThreadPoolExecutor:
    if name not in _POOLS:
        _POOLS[name] = ThreadPoolExecutor(max_workers=_SIZES[name], thread_name_prefix=f"managerdesk-{name}")
    return _POOLS[name]


async def run_blocking(name: Pool, fn: Callable[..., T], *args: object) -> T:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(pool(name), functools.partial(fn, *args))
