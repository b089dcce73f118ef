"""Shifts operations: a team's schedule, its scheduling groups, its shifts (list, create, get, replace, delete)
and share (drafts become shared)."""

from __future__ import annotations

import uuid
from typing import Any

from aiohttp import web

from sandbox.auth import caller_of, requires
from sandbox.errors import (
    GraphError,
    request_body_read,
    shifts_bad_request,
    shifts_message,
    shifts_not_admin,
    shifts_team_not_found,
)
from sandbox.odata import context, json_response, now_iso, page, read_json
from sandbox.routing import param
from sandbox.schedule_filter import matching, parse_filter
from sandbox.shift_rules import SHIFT_ITEMS, check_assignment, check_times, parse_time, shift_schema_error
from sandbox.state import STORE, VALIDATOR, WRITE_LIMITER
from sandbox.store import Doc
from sandbox.teams import is_member, is_owner

SCHEDULE_WRITE = ("Schedule.ReadWrite.All", "Group.ReadWrite.All")
SCHEDULE_READ = ("Schedule.Read.All", "Schedule.ReadWrite.All", "Group.Read.All", "Group.ReadWrite.All")
PREFER_NEW_ENUMS = "include-unknown-enum-members"
_READ_ONLY = (
    "@odata.type", "id", "createdDateTime", "createdBy", "lastModifiedBy", "lastModifiedDateTime",
    "schedulingGroupInfo", "teamInfo", "userInfo",
)  # fmt: skip


def member_team(request: web.Request) -> Doc:
    """The team in the path if the caller is a member; Shifts' nested 404 otherwise."""
    team = request.app[STORE].get("team", param(request, "teamId"))
    if team is None or not is_member(team, caller_of(request).oid):
        raise shifts_team_not_found()
    return team


def scheduled_team(request: web.Request) -> Doc:
    """As member_team, and the team's schedule must be enabled and provisioned."""
    team = member_team(request)
    schedule = team["schedule"]
    if not schedule.get("enabled") or schedule.get("provisionStatus") != "Completed":
        raise shifts_team_not_found()
    return team


def wants_new_enums(request: web.Request) -> bool:
    prefer = ",".join(request.headers.getall("Prefer", []))
    return PREFER_NEW_ENUMS in {part.strip().lower() for part in prefer.split(",")}


@requires(*SCHEDULE_READ)
async def get_schedule(request: web.Request) -> web.Response:
    team = member_team(request)
    schedule = team["schedule"]
    body = {
        "@odata.context": context(f"teams('{team['id']}')/schedule/$entity"),
        "id": team["id"],
        "enabled": schedule.get("enabled", False),
        "timeZone": schedule.get("timeZone"),
        "provisionStatus": schedule.get("provisionStatus", "NotStarted"),
        "provisionStatusCode": schedule.get("provisionStatusCode"),
    }
    return json_response(body)


def whole_collection(request: web.Request, kind: str, name: str) -> web.Response:
    """A scheduled team's collection `name` (documents of `kind`), paged, with no query options but $top."""
    team = scheduled_team(request)
    found = request.app[STORE].all_of(kind, team["id"])
    body = {"@odata.context": context(f"teams('{team['id']}')/schedule/{name}"), **page(request, found)}
    return json_response(body)


@requires(*SCHEDULE_READ)
async def list_scheduling_groups(request: web.Request) -> web.Response:
    return whole_collection(request, "group", "schedulingGroups")


def writable_team(request: web.Request) -> Doc:
    """A write on a team's schedule: counted against the per-team limit, then the team must be scheduled and
    the caller one of its owners."""
    retry_after = request.app[WRITE_LIMITER].admit(param(request, "teamId"))
    if retry_after is not None:
        message = "Too many requests on this team's schedule. Please retry after the time given in Retry-After."
        raise GraphError(429, "TooManyRequests", message, headers={"Retry-After": str(retry_after)})
    team = scheduled_team(request)
    if not is_owner(team, caller_of(request).oid):
        raise shifts_not_admin()
    return team


def item_not_found(kind: str, item_id: str) -> GraphError:
    return GraphError(404, "NotFound", shifts_message("NotFound", f"The {kind} '{item_id}' was not found."))


@requires(*SCHEDULE_READ)
async def list_shifts(request: web.Request) -> web.Response:
    team = scheduled_team(request)
    conditions = parse_filter(request.query.get("$filter"), SHIFT_ITEMS)
    manager = is_owner(team, caller_of(request).oid)
    themes = request.app[VALIDATOR].classic_themes
    visible = [
        present_shift(shift, themes, wants_new_enums(request), manager)
        for shift in request.app[STORE].all_of("shift", team["id"])
        if manager or shift.get("sharedShift") is not None
    ]
    shifts = matching(visible, conditions)
    body = {"@odata.context": context(f"teams('{team['id']}')/schedule/shifts"), **page(request, shifts)}
    return json_response(body)


@requires(*SCHEDULE_READ)
async def get_shift(request: web.Request) -> web.Response:
    team = scheduled_team(request)
    manager = is_owner(team, caller_of(request).oid)
    shift = request.app[STORE].get("shift", param(request, "shiftId"), team["id"])
    if shift is None or not (manager or shift.get("sharedShift") is not None):
        raise item_not_found("shift", param(request, "shiftId"))
    entity = present_shift(shift, request.app[VALIDATOR].classic_themes, wants_new_enums(request), manager)
    return json_response({"@odata.context": context(f"teams('{team['id']}')/schedule/shifts/$entity"), **entity})


@requires(*SCHEDULE_WRITE)
async def replace_shift(request: web.Request) -> web.StreamResponse:
    """PUT: a full replacement (what is left out is not kept); 404 when the shift does not exist (no upsert);
    204 unless the request prefers return=representation (docs #4513), then 200 and the shift."""
    team = writable_team(request)
    store = request.app[STORE]
    existing = store.get("shift", param(request, "shiftId"), team["id"])
    if existing is None:
        raise item_not_found("shift", param(request, "shiftId"))
    body = await read_json(request)
    user_id, group = check_shift(request, body, team, store.all_of("group", team["id"]))
    replaced = new_shift(request, body, team, user_id, group)
    keep = ("id", "createdDateTime", "createdBy")
    replaced.update({key: existing[key] for key in keep if key in existing})
    store.replace("shift", replaced, team["id"])
    if "return=representation" not in ",".join(request.headers.getall("Prefer", [])).replace(" ", ""):
        return web.Response(status=204)
    entity = present_shift(replaced, request.app[VALIDATOR].classic_themes, wants_new_enums(request), manager=True)
    return json_response({"@odata.context": context(f"teams('{team['id']}')/schedule/shifts/$entity"), **entity})


@requires(*SCHEDULE_WRITE)
async def delete_shift(request: web.Request) -> web.StreamResponse:
    team = writable_team(request)
    if not request.app[STORE].delete("shift", param(request, "shiftId"), team["id"]):
        raise item_not_found("shift", param(request, "shiftId"))
    return web.Response(status=204)


@requires(*SCHEDULE_WRITE)
async def share(request: web.Request) -> web.StreamResponse:
    """Drafts of shifts, open shifts and time off starting in [startDateTime, endDateTime) become shared; items
    staged for deletion in the range are deleted. 204."""
    team = writable_team(request)
    body = await read_json(request)
    validator = request.app[VALIDATOR]
    problem = validator.first_problem("scheduleShareRequest", body) if isinstance(body, dict) else None
    if problem and problem.kind == "unknown":
        raise request_body_read(
            f"The parameter '{problem.name}' in the request payload is not a valid parameter for the operation 'share'."
        )
    if not isinstance(body, dict) or problem:
        detail = problem.path if problem else "a JSON object"
        raise shifts_bad_request(f"Invalid share request: {detail} (notifyTeam and startDateTime are required).")
    start = parse_time("startDateTime", body["startDateTime"])
    end = parse_time("endDateTime", body["endDateTime"]) if body.get("endDateTime") else None
    if end is not None and end <= start:
        raise shifts_bad_request("endDateTime must be after startDateTime.")
    for kind, (draft, shared) in SHARED_KINDS.items():
        _share_kind(request, team["id"], kind, draft, shared, (start, end))
    return web.Response(status=204)


SHARED_KINDS = {
    "shift": ("draftShift", "sharedShift"),
    "openShift": ("draftOpenShift", "sharedOpenShift"),
    "timeOff": ("draftTimeOff", "sharedTimeOff"),
}


def _share_kind(request: web.Request, team_id: str, kind: str, draft: str, shared: str, span: Any) -> None:
    store = request.app[STORE]
    start, end = span
    for entity in store.all_of(kind, team_id):
        item = entity.get(draft) or entity.get(shared)
        if not isinstance(item, dict) or not item.get("startDateTime"):
            continue
        begins = parse_time(f"{draft}.startDateTime", item["startDateTime"])
        if begins < start or (end is not None and begins >= end):
            continue
        if entity.get("isStagedForDeletion"):
            store.delete(kind, entity["id"], team_id)
        elif entity.get(draft) is not None:
            store.replace(
                kind, {**entity, shared: entity[draft], draft: None, "lastModifiedDateTime": now_iso()}, team_id
            )


@requires(*SCHEDULE_WRITE)
async def create_shift(request: web.Request) -> web.Response:
    team = writable_team(request)
    body = await read_json(request)
    groups = request.app[STORE].all_of("group", team["id"])
    user_id, group = check_shift(request, body, team, groups)
    shift = new_shift(request, body, team, user_id, group)
    request.app[STORE].insert("shift", shift, team["id"])
    themes = request.app[VALIDATOR].classic_themes
    entity = present_shift(shift, themes, wants_new_enums(request), manager=True)
    entity = {"@odata.context": context(f"teams('{team['id']}')/schedule/shifts/$entity"), **entity}
    return json_response(entity, status=201)


def check_shift(request: web.Request, body: Any, team: Doc, groups: list[Doc]) -> tuple[str, Doc]:
    if not isinstance(body, dict):
        raise request_body_read("A JSON object was expected for type 'microsoft.graph.shift'.")
    validator = request.app[VALIDATOR]
    problem = validator.first_problem("shiftCreate", body, new_themes=wants_new_enums(request))
    if problem:
        raise shift_schema_error(problem, validator.newer_themes)
    check_times(body)
    return check_assignment(body, team, groups)


def new_shift(request: web.Request, body: dict[str, Any], team: Doc, user_id: str, group: Doc) -> Doc:
    store = request.app[STORE]
    caller = store.get("user", caller_of(request).oid) or {"id": caller_of(request).oid}
    assignee = store.get("user", user_id) or {}
    identity = {
        "application": None,
        "device": None,
        "conversation": None,
        "user": {"id": caller["id"], "displayName": caller.get("displayName")},
    }
    now = now_iso()
    fields = {k: v for k, v in body.items() if k not in _READ_ONLY}
    return {
        "id": f"SHFT_{uuid.uuid4()}",
        "createdDateTime": now,
        "lastModifiedDateTime": now,
        "createdBy": identity,
        "lastModifiedBy": identity,
        **fields,
        "isStagedForDeletion": bool(fields.get("isStagedForDeletion")),
        "userId": user_id,
        "schedulingGroupId": group["id"],
        **{name: _shift_item(fields.get(name)) for name in SHIFT_ITEMS},
        **_info(team, group, user_id, assignee),
    }


def _info(team: Doc, group: Doc, user_id: str, assignee: Doc) -> Doc:
    """Beta's informational, server-populated properties."""
    return {
        "schedulingGroupInfo": {
            "schedulingGroupId": group["id"],
            "displayName": group.get("displayName"),
            "code": group.get("code"),
        },
        "teamInfo": {"teamId": team["id"], "displayName": team["displayName"]},
        "userInfo": {"userId": user_id, "displayName": assignee.get("displayName")},
    }


def _shift_item(item: dict[str, Any] | None) -> dict[str, Any] | None:
    """Server defaults: theme is not nullable (white), activities is a collection ([])."""
    if item is None:
        return None
    activities = [{"theme": "white", **a} for a in item.get("activities") or []]
    return {"displayName": None, "notes": None, "theme": "white", **item, "activities": activities}


def present_shift(shift: Doc, classic_themes: frozenset[str], new_enums: bool, manager: bool) -> Doc:
    """As the caller may see it: drafts only for managers; newer themes as unknownFutureValue unless the
    request preferred include-unknown-enum-members."""
    view = dict(shift)
    if not manager:
        view["draftShift"] = None
    if not new_enums:
        for name in SHIFT_ITEMS:
            view[name] = _classic_item(view.get(name), classic_themes)
    return view


def _classic_item(item: dict[str, Any] | None, classic_themes: frozenset[str]) -> dict[str, Any] | None:
    if item is None:
        return None
    activities = [_classic_theme(a, classic_themes) for a in item.get("activities", [])]
    return {**_classic_theme(item, classic_themes), "activities": activities}


def _classic_theme(entity: dict[str, Any], classic_themes: frozenset[str]) -> dict[str, Any]:
    theme = entity.get("theme")
    return entity if theme in classic_themes or theme is None else {**entity, "theme": "unknownFutureValue"}
