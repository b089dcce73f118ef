"""SQLite persistence of the sandbox tenant: one table of JSON documents keyed by (kind, parent, key).

Kinds: user, business, customer, service, staff and appointment (parent = business key), team, and (parent = team
key) group, shift, openShift, timeOff, timeOffReason and the four request kinds.
Keys are the lower-cased ids (mailbox addresses and GUIDs compare case-insensitively in Graph); the
documents keep the original spelling. Synchronous on purpose: this is a single-user test tool."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

Doc = dict[str, Any]

DEFAULT_FIXTURE = Path(__file__).with_name("fixture.json")
# A team's nested fixture lists and the kind of document each becomes (parent = the team).
TEAM_COLLECTIONS = {
    "schedulingGroups": "group",
    "shifts": "shift",
    "openShifts": "openShift",
    "timesOff": "timeOff",
    "timeOffReasons": "timeOffReason",
    "timeOffRequests": "timeOffRequest",
    "swapShiftsChangeRequests": "swapShiftsChangeRequest",
    "offerShiftRequests": "offerShiftRequest",
    "openShiftChangeRequests": "openShiftChangeRequest",
}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    parent TEXT NOT NULL,
    key TEXT NOT NULL,
    data TEXT NOT NULL,
    UNIQUE (kind, parent, key)
);
"""


def load_fixture(path: str | Path | None) -> Doc:
    with open(path or DEFAULT_FIXTURE, encoding="utf-8") as f:
        return json.load(f)


class SandboxStore:
    def __init__(self, db_path: str | Path) -> None:
        db_path = Path(db_path)
        db_path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(db_path, isolation_level=None)
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    # -- fixture ---------------------------------------------------------------------------------

    def is_loaded(self) -> bool:
        return self._meta("tenantId") is not None

    def tenant_id(self) -> str:
        tenant = self._meta("tenantId")
        if tenant is None:
            raise RuntimeError("sandbox store has no fixture loaded")
        return tenant

    def load(self, fixture: Doc) -> None:
        """Replaces everything with the fixture, in one transaction."""
        with self._transaction():
            self._db.execute("DELETE FROM docs")
            self._db.execute("DELETE FROM meta")
            for kind, parent, doc in _fixture_docs(fixture):
                self._insert(kind, parent, doc)
            self._db.execute("INSERT INTO meta VALUES ('tenantId', ?)", (fixture["tenantId"],))

    # -- documents -------------------------------------------------------------------------------

    def get(self, kind: str, key: str, parent: str = "") -> Doc | None:
        row = self._db.execute(
            "SELECT data FROM docs WHERE kind = ? AND parent = ? AND key = ?",
            (kind, parent.lower(), key.lower()),
        ).fetchone()
        return json.loads(row[0]) if row else None

    def all_of(self, kind: str, parent: str = "") -> list[Doc]:
        rows = self._db.execute(
            "SELECT data FROM docs WHERE kind = ? AND parent = ? ORDER BY seq", (kind, parent.lower())
        )
        return [json.loads(data) for (data,) in rows]

    def insert(self, kind: str, doc: Doc, parent: str = "") -> None:
        self._insert(kind, parent, doc)

    def replace(self, kind: str, doc: Doc, parent: str = "") -> bool:
        """Overwrites an existing document (same kind, parent and id); False when there is none."""
        cursor = self._db.execute(
            "UPDATE docs SET data = ? WHERE kind = ? AND parent = ? AND key = ?",
            (json.dumps(doc), kind, parent.lower(), str(doc["id"]).lower()),
        )
        return cursor.rowcount > 0

    def delete(self, kind: str, key: str, parent: str = "") -> bool:
        cursor = self._db.execute(
            "DELETE FROM docs WHERE kind = ? AND parent = ? AND key = ?", (kind, parent.lower(), key.lower())
        )
        return cursor.rowcount > 0

    # -- internals -------------------------------------------------------------------------------

    def _insert(self, kind: str, parent: str, doc: Doc) -> None:
        self._db.execute(
            "INSERT INTO docs (kind, parent, key, data) VALUES (?, ?, ?, ?)",
            (kind, parent.lower(), str(doc["id"]).lower(), json.dumps(doc)),
        )

    def _meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)


class _Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self._db.execute("ROLLBACK" if exc_type else "COMMIT")


# A business's collections in the fixture, and the kind each item is stored as (parent = business key).
_BUSINESS_CHILDREN = {
    "customers": "customer",
    "services": "service",
    "staffMembers": "staff",
    "appointments": "appointment",
}


def _fixture_docs(fixture: Doc) -> list[tuple[str, str, Doc]]:
    docs: list[tuple[str, str, Doc]] = [("user", "", user) for user in fixture["users"]]
    for business in fixture["bookingBusinesses"]:
        docs.append(("business", "", {k: v for k, v in business.items() if k not in _BUSINESS_CHILDREN}))
        for key, kind in _BUSINESS_CHILDREN.items():
            docs.extend((kind, business["id"], item) for item in business.get(key, []))
    for team in fixture["teams"]:
        docs.append(("team", "", {k: v for k, v in team.items() if k not in TEAM_COLLECTIONS}))
        for name, kind in TEAM_COLLECTIONS.items():
            docs.extend((kind, team["id"], item) for item in team.get(name, []))
    return docs
