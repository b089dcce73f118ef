"""Open forms, kept in storage between turns, so that a restart loses nothing typed and a second press
of a stale Submit creates nothing.

A form is identified by the `formId` every card action carries. Its record holds what the manager typed,
the ids of repeating rows (addresses, phones, breaks), and once submitted the result, from which the
confirmation card is rebuilt for any later press of the same button."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from bot.storage import SqliteStorage

FormStatus = Literal["open", "done", "cancelled"]
FORM_ID = "formId"  # the key, in every card action's data, naming the form
ACTION_KEYS = frozenset({FORM_ID, "verb", "group", "row"})  # action metadata, not inputs


@dataclass
class FormRecord:
    form_id: str
    kind: str
    owner: str  # the Entra object id of the manager who opened it
    values: dict[str, Any] = field(default_factory=dict)
    rows: dict[str, list[str]] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)
    status: FormStatus = "open"
    result: dict[str, Any] | None = None
    created_at: float = field(default_factory=time.time)
    updated_at: float = field(default_factory=time.time)
    conversation: str = ""  # where it was opened ("" for a record stored before this was kept)

    def add_row(self, group: str) -> str:
        row_id = uuid.uuid4().hex[:8]
        self.rows.setdefault(group, []).append(row_id)
        return row_id

    def remove_row(self, group: str, row_id: str) -> None:
        if row_id in self.rows.get(group, []):
            self.rows[group].remove(row_id)
        prefix = f"{group}.{row_id}."
        self.values = {k: v for k, v in self.values.items() if not k.startswith(prefix)}

    def merge_inputs(self, data: dict[str, Any]) -> None:
        """Keeps what the card posted back. Inputs are the string-valued keys that are not action metadata."""
        for key, value in data.items():
            if key not in ACTION_KEYS and not key.startswith("_") and isinstance(value, (str, bool)):
                self.values[key] = value


class FormStore:
    def __init__(self, storage: SqliteStorage) -> None:
        self._storage = storage
        self._locks: dict[str, asyncio.Lock] = {}

    async def create(self, kind: str, owner: str, values: dict[str, Any] | None = None, **context: Any) -> FormRecord:
        record = FormRecord(form_id=uuid.uuid4().hex, kind=kind, owner=owner, values=dict(values or {}))
        record.context.update(context)
        await self.save(record)
        return record

    async def load(self, form_id: str, kind: str) -> FormRecord | None:
        if not form_id or not isinstance(form_id, str):
            return None
        found = (await self._storage.read([_key(form_id)])).get(_key(form_id))
        if not found or found.get("kind") != kind:
            return None
        return FormRecord(**found)

    async def save(self, record: FormRecord) -> None:
        record.updated_at = time.time()
        await self._storage.write({_key(record.form_id): asdict(record)})

    @asynccontextmanager
    async def exclusive(self, form_id: str) -> AsyncIterator[None]:
        """One submission of a form at a time (double clicks, Teams retrying an invoke)."""
        lock = self._locks.setdefault(form_id, asyncio.Lock())
        async with lock:
            yield


def _key(form_id: str) -> str:
    return f"form:{form_id}"
