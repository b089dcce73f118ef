"""Shifts requests: the four schedule change request collections with their approve/decline state rules,
a team's timeOffReasons, and time off (list and create). NOTES.md §2 (stages) and §3 (endpoints); the
choices where the docs are silent are in sandbox/README.md ("Requests and time off")."""

from __future__ import annotations

import re
import uuid

from aiohttp import web

from sandbox.auth import caller_of, requires
from sandbox.errors import GraphError, request_body_read, shifts_message, shifts_not_admin
from sandbox.odata import bad_query, context, json_response, now_iso, page, read_json
from sandbox.routing import Handler, Route, param, route
from sandbox.schedule import SCHEDULE_READ, SCHEDULE_WRITE, scheduled_team
from sandbox.schedule_items import time_off_doc
from sandbox.shift_rules import shift_schema_error
from sandbox.state import STORE, VALIDATOR
from sandbox.store import Doc, SandboxStore
from sandbox.teams import is_owner

# Graph's collection name -> the request's type name (also its store kind).
REQUEST_COLLECTIONS = {
    "timeOffRequests": "timeOffRequest",
    "swapShiftsChangeRequests": "swapShiftsChangeRequest",
    "offerShiftRequests": "offerShiftRequest",
    "openShiftChangeRequests": "openShiftChangeRequest",
}
TWO_STAGES = frozenset({"swapShiftsChangeRequest", "offerShiftRequest"})  # recipient first, then manager
# PERM (NOTES.md §4) lists no read scope for listing offerShiftRequests.
OFFER_LIST_SCOPES = ("Schedule.ReadWrite.All", "Group.ReadWrite.All")
_STATE_FILTER = re.compile(r"^\s*state\s+eq\s+'([A-Za-z]+)'\s*$")
_FILTER_PROPERTY = re.compile(r"^\s*([A-Za-z/]+)")
STATES = ("pending", "approved", "declined")


def _request_forbidden(inner_code: str, message: str) -> GraphError:
    return GraphError(403, "Forbidden", shifts_message("Forbidden", message, inner_code))


def not_actionable(action: str) -> GraphError:
    message = f"This shift request is not in a state to be {action}d."
    return _request_forbidden("ShiftRequestsCannotBeActedUpon", message)


def not_available(message: str) -> GraphError:
    return _request_forbidden("ShiftRequestNotAvailable", message)


def request_not_found() -> GraphError:
    return GraphError(404, "NotFound", shifts_message("NotFound", "Sorry, the request was not found."))


# --- lists and gets ----------------------------------------------------------------------------------------


def _visible(team: Doc, caller: str, doc: Doc) -> bool:
    """Managers see every request of the team; a member sees the ones they sent or received."""
    people = {str(doc.get("senderUserId") or "").lower(), str(doc.get("recipientUserId") or "").lower()}
    return is_owner(team, caller) or caller.lower() in people


def _state_filter(request: web.Request) -> str | None:
    raw = request.query.get("$filter")
    if raw is None:
        return None
    found = _STATE_FILTER.match(raw)
    if found and found.group(1) in STATES:
        return found.group(1)
    if found:
        raise bad_query(f"The value '{found.group(1)}' is not a valid scheduleChangeState.")
    name = _FILTER_PROPERTY.match(raw)
    prop = name.group(1) if name else raw
    raise GraphError(400, "BadRequest", f"The entity property '{prop}' is not allowed in $filter query.")


def list_handler(collection: str) -> Handler:
    kind = REQUEST_COLLECTIONS[collection]
    scopes = OFFER_LIST_SCOPES if collection == "offerShiftRequests" else SCHEDULE_READ

    @requires(*scopes)
    async def list_requests(request: web.Request) -> web.Response:
        team = scheduled_team(request)
        state = _state_filter(request)
        caller = caller_of(request).oid
        found = [
            present(doc, kind)
            for doc in request.app[STORE].all_of(kind, team["id"])
            if _visible(team, caller, doc) and (state is None or doc.get("state") == state)
        ]
        body = {"@odata.context": context(f"teams('{team['id']}')/schedule/{collection}"), **page(request, found)}
        return json_response(body)

    return list_requests


def get_handler(collection: str) -> Handler:
    kind = REQUEST_COLLECTIONS[collection]

    @requires(*SCHEDULE_READ)
    async def get_request(request: web.Request) -> web.Response:
        team = scheduled_team(request)
        doc = request.app[STORE].get(kind, param(request, "requestId"), team["id"])
        if doc is None or not _visible(team, caller_of(request).oid, doc):
            raise request_not_found()
        entity = {"@odata.context": context(f"teams('{team['id']}')/schedule/{collection}/$entity"), **doc}
        return json_response(present(entity, kind))

    return get_request


def present(doc: Doc, kind: str) -> Doc:
    return {"@odata.type": f"#microsoft.graph.{kind}", **doc}


# --- approve and decline -------------------------------------------------------------------------------------


def decision_handler(collection: str, action: str) -> Handler:
    kind = REQUEST_COLLECTIONS[collection]

    @requires(*SCHEDULE_WRITE)
    async def decide(request: web.Request) -> web.Response:
        team = scheduled_team(request)
        message = await _decision_message(request)
        store = request.app[STORE]
        request_id = param(request, "requestId")
        doc = store.get(kind, request_id, team["id"])
        if doc is None:
            raise _missing(store, team["id"], request_id)
        caller = caller_of(request).oid
        if doc.get("state") != "pending":
            raise not_actionable(action)
        if doc.get("assignedTo") == "recipient":
            _recipient_decides(doc, caller, action, message)
        elif doc.get("assignedTo") == "manager":
            if not is_owner(team, caller):
                raise shifts_not_admin()
            _manager_decides(doc, caller, action, message)
            if action == "approve":
                _apply(store, team, kind, doc)
        else:
            raise not_actionable(action)
        doc["lastModifiedDateTime"] = now_iso()
        doc["lastModifiedBy"] = _identity(store, caller)
        store.replace(kind, doc, team["id"])
        # Docs: "200 OK" with no body; the swap examples show 204 (NOTES.md §7.15). Both are served.
        return web.Response(status=200 if kind == "timeOffRequest" else 204)

    return decide


async def _decision_message(request: web.Request) -> str | None:
    body = await read_json(request)
    if not isinstance(body, dict):
        raise request_body_read("A JSON object was expected for the action parameters.")
    problem = request.app[VALIDATOR].first_problem("requestDecision", body)
    if problem:
        raise shift_schema_error(problem, frozenset())
    message = body.get("message")
    return message if isinstance(message, str) else None


def _missing(store: SandboxStore, team_id: str, request_id: str) -> GraphError:
    """An id of another collection gets Shifts' ShiftRequestNotAvailable (Templates #1); an unknown id 404."""
    for other in REQUEST_COLLECTIONS.values():
        if store.get(other, request_id, team_id) is not None:
            return not_available("You can only respond to shift offer and swap requests.")
    return request_not_found()


def _recipient_decides(doc: Doc, caller: str, action: str, message: str | None) -> None:
    if str(doc.get("recipientUserId") or "").lower() != caller.lower():
        raise not_available("This request is waiting for its recipient; a manager can act only after they accept.")
    doc["recipientActionDateTime"] = now_iso()
    doc["recipientActionMessage"] = message
    if action == "approve":
        doc["assignedTo"] = "manager"
    else:
        doc["state"] = "declined"


def _manager_decides(doc: Doc, caller: str, action: str, message: str | None) -> None:
    doc["state"] = "approved" if action == "approve" else "declined"
    doc["managerUserId"] = caller
    doc["managerActionDateTime"] = now_iso()
    doc["managerActionMessage"] = message


def _apply(store: SandboxStore, team: Doc, kind: str, doc: Doc) -> None:
    """What an approval changes in the schedule."""
    team_id = team["id"]
    if kind == "timeOffRequest":
        item = {
            "startDateTime": doc.get("startDateTime"),
            "endDateTime": doc.get("endDateTime"),
            "timeOffReasonId": doc.get("timeOffReasonId"),
            "theme": "white",
        }
        time_off = {"userId": doc.get("senderUserId"), "sharedTimeOff": item, "draftTimeOff": None}
        store.insert("timeOff", time_off_doc(time_off, str(doc.get("managerUserId"))), team_id)
    elif kind in TWO_STAGES:
        sender_shift = store.get("shift", str(doc.get("senderShiftId") or ""), team_id)
        recipient_shift = store.get("shift", str(doc.get("recipientShiftId") or ""), team_id)
        if sender_shift is not None:
            store.replace("shift", {**sender_shift, "userId": doc.get("recipientUserId")}, team_id)
        if recipient_shift is not None and kind == "swapShiftsChangeRequest":
            store.replace("shift", {**recipient_shift, "userId": doc.get("senderUserId")}, team_id)
    elif kind == "openShiftChangeRequest":
        _take_open_shift(store, team_id, doc)


def _take_open_shift(store: SandboxStore, team_id: str, doc: Doc) -> None:
    open_shift = store.get("openShift", str(doc.get("openShiftId") or ""), team_id)
    if open_shift is None or not open_shift.get("sharedOpenShift"):
        return
    shared = dict(open_shift["sharedOpenShift"])
    slots = int(shared.pop("openSlotCount", 1) or 1)
    store.replace("openShift", {**open_shift, "sharedOpenShift": {**shared, "openSlotCount": slots - 1}}, team_id)
    shift = {
        "id": f"SHFT_{uuid.uuid4()}",
        "userId": doc.get("senderUserId"),
        "schedulingGroupId": open_shift.get("schedulingGroupId"),
        "sharedShift": {**shared, "activities": shared.get("activities") or []},
        "draftShift": None,
        "isStagedForDeletion": False,
    }
    store.insert("shift", shift, team_id)


def _identity(store: SandboxStore, oid: str) -> Doc:
    user = store.get("user", oid) or {}
    return {"application": None, "device": None, "user": {"id": oid, "displayName": user.get("displayName")}}


# --- the employees' side, as a test control --------------------------------------------------------------------


def add_request(store: SandboxStore, team_id: str, collection: str, fields: Doc) -> Doc:
    """A request as if an employee had just sent it from the Shifts app (POST /_sandbox/teams/{id}/{coll})."""
    kind = REQUEST_COLLECTIONS[collection]
    if store.get("team", team_id) is None:
        raise KeyError(team_id)
    now = now_iso()
    doc: Doc = {
        "id": f"SREQ_{uuid.uuid4()}",
        "createdDateTime": now,
        "lastModifiedDateTime": now,
        "assignedTo": "recipient" if kind in TWO_STAGES else "manager",
        "state": "pending",
        "senderDateTime": now,
        "senderMessage": None,
        "managerUserId": None,
        "managerActionDateTime": None,
        "managerActionMessage": None,
        **fields,
    }
    store.insert(kind, doc, team_id)
    return doc


def routes() -> list[Route]:
    # timesOff, openShifts and timeOffReasons are served by sandbox.schedule_items.
    found: list[Route] = []
    for collection in REQUEST_COLLECTIONS:
        base = f"teams/{{teamId}}/schedule/{collection}"
        found.append(route("GET", base, list_handler(collection)))
        found.append(route("GET", f"{base}/{{requestId}}", get_handler(collection)))
        for action in ("approve", "decline"):
            found.append(route("POST", f"{base}/{{requestId}}/{action}", decision_handler(collection, action)))
    return found
