"""Forms, kept in the shared state store between turns, so that a restart, or another instance, loses nothing
typed, and no submission is made twice.

A form is identified by the `formId` every card action carries. Its record holds what the manager typed, the
ids of repeating rows (addresses, phones, breaks), the state of its submission, and once created the result,
from which the confirmation card is rebuilt for any later press of the same button.

Every save is conditional on the ETag read (`FormStore.save` answers False when someone else wrote first: re-read
and decide again): that, not a lock in one process, is what makes one submission per form true across
instances. Each record expires: an open form after `open_seconds` untouched, a finished one after
`done_seconds`, and `FormStore.sweep` deletes what has expired."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

from bot.storage import StateStore

log = logging.getLogger("managerdesk.forms")

# open: being edited. creating: a submission holds the claim (`attempt`) and its create is running.
# unknown: a create was sent and never answered: the next press looks in Graph before sending again.
FormStatus = Literal["open", "creating", "unknown", "done", "cancelled"]
FORM_ID = "formId"  # the key, in every card action's data, naming the form
ACTION_KEYS = frozenset({FORM_ID, "verb", "group", "row"})  # action metadata, not inputs
DAY = 86_400.0

Clock = Callable[[], float]


@dataclass
class Attempt:
    """The claim of one submission: who runs it, until when it may be waited for, which press made it."""

    attempt_id: str
    until: float  # after this, a press takes the form over (the instance running it is presumed dead)
    activity_id: str | None = None
    look_first: bool = False  # a previous create's outcome is unknown: look in Graph before sending

    @staticmethod
    def from_json(data: Any) -> Attempt | None:
        if not isinstance(data, dict):
            return None
        return Attempt(**{f.name: data[f.name] for f in fields(Attempt) if f.name in data})


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
    attempt: Attempt | None = None
    # The last answer to a submission, so Teams re-sending the same invoke gets the same answer.
    answer: dict[str, Any] | None = None
    etag: str = field(default="", compare=False)  # of the stored version this was read from (not stored)

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

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("etag")
        return data

    @staticmethod
    def from_json(data: dict[str, Any], etag: str) -> FormRecord | None:
        known = {f.name for f in fields(FormRecord)} - {"etag", "attempt"}
        try:
            record = FormRecord(**{k: v for k, v in data.items() if k in known}, etag=etag)
        except TypeError:
            return None
        record.attempt = Attempt.from_json(data.get("attempt"))
        return record


class FormStore:
    def __init__(
        self,
        storage: StateStore,
        *,
        clock: Clock = time.time,
        open_seconds: float = 7 * DAY,
        done_seconds: float = 30 * DAY,
    ) -> None:
        self._storage = storage
        self.clock = clock
        self._open_seconds = open_seconds
        self._done_seconds = done_seconds

    async def create(self, kind: str, owner: str, values: dict[str, Any] | None = None, **context: Any) -> FormRecord:
        now = self.clock()
        record = FormRecord(
            form_id=uuid.uuid4().hex, kind=kind, owner=owner, values=dict(values or {}), created_at=now, updated_at=now
        )
        record.context.update(context)
        etag = await self._storage.create(_key(record.form_id), record.to_json(), expires_at=self._expiry(record))
        if etag is None:  # a 128-bit collision: not in this universe
            raise RuntimeError("form id collision")
        record.etag = etag
        return record

    async def load(self, form_id: str, kind: str) -> FormRecord | None:
        if not form_id or not isinstance(form_id, str) or len(form_id) > 64:
            return None
        found = await self._storage.get(_key(form_id))
        if found is None or not isinstance(found.value, dict) or found.value.get("kind") != kind:
            return None
        record = FormRecord.from_json(found.value, found.etag)
        if record is None or self._expiry(record) < self.clock():
            return None  # expired, not yet swept
        return record

    async def save(self, record: FormRecord) -> bool:
        """Writes the record if nobody wrote it since it was read; False means re-read and decide again."""
        record.updated_at = self.clock()
        etag = await self._storage.replace(
            _key(record.form_id), record.to_json(), record.etag, expires_at=self._expiry(record)
        )
        if etag is None:
            return False
        record.etag = etag
        return True

    async def sweep(self) -> int:
        return await self._storage.sweep(self.clock())

    async def sweep_forever(self, interval_seconds: float) -> None:
        """The sweeper: every instance runs one; deletes are conditional, so they never collide."""
        while True:
            await asyncio.sleep(interval_seconds)
            try:
                removed = await self.sweep()
            except Exception as error:  # the store is down for a while: try again next time
                log.warning("sweep failed reason=%s", type(error).__name__)
                continue
            if removed:
                log.info("sweep removed=%d", removed)

    def _expiry(self, record: FormRecord) -> float:
        if record.status in ("open", "unknown"):
            return record.updated_at + self._open_seconds
        return record.updated_at + self._done_seconds  # done, cancelled, or a create that may need finishing


def _key(form_id: str) -> str:
    return f"form:{form_id}"
