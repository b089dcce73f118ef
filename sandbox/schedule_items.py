"""Open shifts and time off: list (with the Shifts `$filter`), create, get, replace (open shifts), delete; and
time-off reasons. Rules: NOTES.md §2-3; choices where the docs are silent: sandbox/README.md."""

from __future__ import annotations

import uuid
from typing import Any

from aiohttp import web

from sandbox.auth import caller_of, requires
from sandbox.errors import request_body_read, shifts_bad_request
from sandbox.odata import context, json_response, now_iso, page, read_json
from sandbox.routing import param
from sandbox.schedule import (
    SCHEDULE_READ,
    SCHEDULE_WRITE,
    item_not_found,
    scheduled_team,
    wants_new_enums,
    whole_collection,
    writable_team,
)
from sandbox.schedule_filter import matching, parse_filter
from sandbox.shift_rules import check_assignment, check_item, parse_time, shift_schema_error
from sandbox.state import STORE, VALIDATOR
from sandbox.store import Doc
from sandbox.teams import is_owner

OPEN_ITEMS = ("draftOpenShift", "sharedOpenShift")
TIME_OFF_ITEMS = ("draftTimeOff", "sharedTimeOff")
_READ_ONLY = ("@odata.type", "id", "createdDateTime", "createdBy", "lastModifiedBy", "lastModifiedDateTime")
_INFO = ("schedulingGroupInfo", "teamInfo", "userInfo")


def _list(request: web.Request, kind: str, items: tuple[str, str], path: str) -> web.Response:
    team = scheduled_team(request)
    conditions = parse_filter(request.query.get("$filter"), items)
    manager = is_owner(team, caller_of(request).oid)
    visible = [_visible(doc, items, manager) for doc in request.app[STORE].all_of(kind, team["id"])]
    found = matching([doc for doc in visible if doc is not None], conditions)
    body = {"@odata.context": context(f"teams('{team['id']}')/schedule/{path}"), **page(request, found)}
    return json_response(body)


def _visible(doc: Doc, items: tuple[str, str], manager: bool) -> Doc | None:
    """Drafts are for managers only."""
    draft, shared = items
    if manager:
        return doc
    return None if doc.get(shared) is None else {**doc, draft: None}


def _get(request: web.Request, kind: str, key: str, items: tuple[str, str], label: str) -> web.Response:
    team = scheduled_team(request)
    doc = request.app[STORE].get(kind, param(request, key), team["id"])
    view = _visible(doc, items, is_owner(team, caller_of(request).oid)) if doc else None
    if view is None:
        raise item_not_found(label, param(request, key))
    return json_response(view)


def _delete(request: web.Request, kind: str, key: str, label: str) -> web.Response:
    team = writable_team(request)
    if not request.app[STORE].delete(kind, param(request, key), team["id"]):
        raise item_not_found(label, param(request, key))
    return web.Response(status=204)


def _checked_body(request: web.Request, body: Any, def_name: str, items: tuple[str, str]) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise request_body_read(f"A JSON object was expected for type '{def_name}'.")
    validator = request.app[VALIDATOR]
    problem = validator.first_problem(def_name, body, new_themes=wants_new_enums(request))
    if problem and problem.kind == "choice":
        raise shifts_bad_request(f"A {items[0]} or a {items[1]} is required; both are null or missing.")
    if problem:
        raise shift_schema_error(problem, validator.newer_themes)
    return body


def _new_doc(request: web.Request, body: dict[str, Any], prefix: str, existing: Doc | None = None) -> Doc:
    return new_item(body, prefix, caller_of(request).oid, existing)


def new_item(body: dict[str, Any], prefix: str, caller: str, existing: Doc | None = None) -> Doc:
    """A schedule item (open shift, time off) as Graph keeps it: server-set ids, stamps and identities."""
    now = now_iso()
    identity = {"user": {"id": caller, "displayName": None}, "application": None, "device": None}
    fields = {k: v for k, v in body.items() if k not in _READ_ONLY and k not in _INFO}
    doc: Doc = {
        "id": f"{prefix}_{uuid.uuid4()}",
        "createdDateTime": now,
        "createdBy": identity,
        **({k: existing[k] for k in ("id", "createdDateTime", "createdBy") if k in existing} if existing else {}),
        "lastModifiedDateTime": now,
        "lastModifiedBy": identity,
        "isStagedForDeletion": bool(fields.pop("isStagedForDeletion", False)),
        **fields,
    }
    return doc


# --- open shifts ---------------------------------------------------------------------------------------------


@requires(*SCHEDULE_READ)
async def list_open_shifts(request: web.Request) -> web.Response:
    return _list(request, "openShift", OPEN_ITEMS, "openShifts")


@requires(*SCHEDULE_READ)
async def get_open_shift(request: web.Request) -> web.Response:
    return _get(request, "openShift", "openShiftId", OPEN_ITEMS, "open shift")


@requires(*SCHEDULE_WRITE)
async def create_open_shift(request: web.Request) -> web.Response:
    """200 OK (not 201), as documented."""
    team = writable_team(request)
    doc = _open_shift(request, team, await read_json(request))
    request.app[STORE].insert("openShift", doc, team["id"])
    return json_response({"@odata.context": context(f"teams('{team['id']}')/schedule/openShifts/$entity"), **doc})


@requires(*SCHEDULE_WRITE)
async def replace_open_shift(request: web.Request) -> web.Response:
    team = writable_team(request)
    store = request.app[STORE]
    existing = store.get("openShift", param(request, "openShiftId"), team["id"])
    if existing is None:
        raise item_not_found("open shift", param(request, "openShiftId"))
    doc = _open_shift(request, team, await read_json(request), existing)
    store.replace("openShift", doc, team["id"])
    return json_response(doc)


@requires(*SCHEDULE_WRITE)
async def delete_open_shift(request: web.Request) -> web.Response:
    return _delete(request, "openShift", "openShiftId", "open shift")


def _open_shift(request: web.Request, team: Doc, raw: Any, existing: Doc | None = None) -> Doc:
    body = _checked_body(request, raw, "openShiftCreate", OPEN_ITEMS)
    groups = request.app[STORE].all_of("group", team["id"])
    owner = next(m["userId"] for m in team["members"] if "owner" in m["roles"])
    _, group = check_assignment({"userId": owner, "schedulingGroupId": body["schedulingGroupId"]}, team, groups)
    for name in OPEN_ITEMS:
        item = body.get(name)
        if item is not None:
            check_item(name, item)
            if item["openSlotCount"] < 1:
                raise shifts_bad_request(f"{name}.openSlotCount must be at least 1.")
    doc = _new_doc(request, {**body, "schedulingGroupId": group["id"]}, "OPNSHFT", existing)
    for name in OPEN_ITEMS:
        if doc.get(name) is not None:
            doc[name] = {"displayName": None, "notes": None, "theme": "white", "activities": [], **doc[name]}
    doc.setdefault("draftOpenShift", None)
    doc.setdefault("sharedOpenShift", None)
    doc["schedulingGroupInfo"] = {"schedulingGroupId": group["id"], "displayName": group.get("displayName")}
    doc["teamInfo"] = {"teamId": team["id"], "displayName": team["displayName"]}
    return doc


# --- time off ------------------------------------------------------------------------------------------------


@requires(*SCHEDULE_READ)
async def list_times_off(request: web.Request) -> web.Response:
    return _list(request, "timeOff", TIME_OFF_ITEMS, "timesOff")


@requires(*SCHEDULE_READ)
async def get_time_off(request: web.Request) -> web.Response:
    return _get(request, "timeOff", "timeOffId", TIME_OFF_ITEMS, "time off")


@requires(*SCHEDULE_WRITE)
async def create_time_off(request: web.Request) -> web.Response:
    """201 Created."""
    team = writable_team(request)
    body = _checked_body(request, await read_json(request), "timeOffCreate", TIME_OFF_ITEMS)
    reasons = {r["id"].lower(): r for r in request.app[STORE].all_of("timeOffReason", team["id"])}
    user_id = _member(team, str(body["userId"]))
    for name in TIME_OFF_ITEMS:
        item = body.get(name)
        if item is None:
            continue
        start = parse_time(f"{name}.startDateTime", item.get("startDateTime"))
        if parse_time(f"{name}.endDateTime", item.get("endDateTime")) <= start:
            raise shifts_bad_request(f"{name}: the time off must end after it starts.")
        reason = reasons.get(str(item.get("timeOffReasonId")).lower())
        if reason is None or not reason.get("isActive", True):
            raise shifts_bad_request(
                f"The time-off reason '{item.get('timeOffReasonId')}' does not exist or is not active."
            )
    doc = time_off_doc({**body, "userId": user_id}, caller_of(request).oid)
    request.app[STORE].insert("timeOff", doc, team["id"])
    return json_response({"@odata.context": context(f"teams('{team['id']}')/schedule/timesOff/$entity"), **doc}, 201)


@requires(*SCHEDULE_WRITE)
async def delete_time_off(request: web.Request) -> web.Response:
    return _delete(request, "timeOff", "timeOffId", "time off")


@requires(*SCHEDULE_READ)
async def list_time_off_reasons(request: web.Request) -> web.Response:
    return whole_collection(request, "timeOffReason", "timeOffReasons")


def time_off_doc(body: dict[str, Any], caller: str) -> Doc:
    """One shape for every time off: created by a manager, or booked by an approved time-off request."""
    doc = new_item(body, "TOFF", caller)
    doc.setdefault("draftTimeOff", None)
    doc.setdefault("sharedTimeOff", None)
    return doc


def _member(team: Doc, user_id: str) -> str:
    member = next((m for m in team["members"] if m["userId"].lower() == user_id.lower()), None)
    if member is None:
        raise shifts_bad_request(f"The user '{user_id}' is not a member of the team.")
    return str(member["userId"])
