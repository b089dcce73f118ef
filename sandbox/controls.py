"""Test controls under /_sandbox (no auth): faults, request log, reset, health."""

from __future__ import annotations

import json

from aiohttp import web

from sandbox import requests
from sandbox.faults import parse_fault
from sandbox.state import FAULTS, FIXTURE_PATH, REQUEST_LOG, STORE
from sandbox.store import load_fixture


def _bad_request(message: str) -> web.Response:
    return web.json_response({"error": message}, status=400)


async def add_fault(request: web.Request) -> web.Response:
    """POST {"status", "count", "retryAfter", "delay", "match", "body", "code", "message", "after"}."""
    try:
        fault = parse_fault(json.loads(await request.read()))
    except ValueError as exc:  # includes invalid JSON
        return _bad_request(str(exc))
    request.app[FAULTS].add(fault)
    return web.json_response({"fault": fault.describe()}, status=201)


async def list_faults(request: web.Request) -> web.Response:
    return web.json_response({"value": request.app[FAULTS].describe()})


async def clear_faults(request: web.Request) -> web.Response:
    request.app[FAULTS].clear()
    return web.Response(status=204)


async def list_requests(request: web.Request) -> web.Response:
    return web.json_response(request.app[REQUEST_LOG].entries)


async def clear_requests(request: web.Request) -> web.Response:
    request.app[REQUEST_LOG].clear()
    return web.Response(status=204)


async def reset(request: web.Request) -> web.Response:
    """Restores the fixture and clears the faults and the request log."""
    request.app[STORE].load(load_fixture(request.app[FIXTURE_PATH]))
    request.app[FAULTS].clear()
    request.app[REQUEST_LOG].clear()
    return web.Response(status=204)


async def add_change_request(request: web.Request) -> web.Response:
    """POST /_sandbox/teams/{teamId}/{collection} {fields}: an employee's new request (pending)."""
    collection = request.match_info["collection"]
    if collection not in requests.REQUEST_COLLECTIONS:
        return _bad_request(f"unknown collection {collection!r}")
    try:
        fields = json.loads(await request.read())
        doc = requests.add_request(request.app[STORE], request.match_info["teamId"], collection, dict(fields))
    except (ValueError, TypeError, KeyError) as exc:
        return _bad_request(f"bad request: {exc}")
    return web.json_response(doc, status=201)


async def get_change_request(request: web.Request) -> web.Response:
    """GET /_sandbox/teams/{teamId}/{collection}/{requestId}: the stored request, whoever may see it."""
    kind = requests.REQUEST_COLLECTIONS.get(request.match_info["collection"])
    found = kind and request.app[STORE].get(kind, request.match_info["requestId"], request.match_info["teamId"])
    return web.json_response(found) if found else web.json_response({"error": "not found"}, status=404)


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok", "tenantId": request.app[STORE].tenant_id()})


def add_control_routes(app: web.Application) -> None:
    app.router.add_post("/_sandbox/faults", add_fault)
    app.router.add_get("/_sandbox/faults", list_faults)
    app.router.add_delete("/_sandbox/faults", clear_faults)
    app.router.add_get("/_sandbox/requests", list_requests)
    app.router.add_delete("/_sandbox/requests", clear_requests)
    app.router.add_post("/_sandbox/reset", reset)
    app.router.add_get("/_sandbox/health", health)
    app.router.add_post("/_sandbox/teams/{teamId}/{collection}", add_change_request)
    app.router.add_get("/_sandbox/teams/{teamId}/{collection}/{requestId}", get_change_request)
