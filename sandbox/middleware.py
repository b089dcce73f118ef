"""Middlewares, outermost first: request ids, request log, injected faults, Graph error envelope."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from typing import Any

from aiohttp import web

from sandbox.errors import GraphError, envelope, error_response, graph_json
from sandbox.faults import Fault
from sandbox.routing import BETA_PREFIX, Handler, raw_path_only
from sandbox.state import CLIENT_REQUEST_ID, FAULTS, REQUEST_ID, REQUEST_LOG

log = logging.getLogger("sandbox")


def is_beta(request: web.Request) -> bool:
    return request.raw_path.startswith(BETA_PREFIX) or raw_path_only(request) == "/beta"


@web.middleware
async def request_ids(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every response carries request-id and client-request-id (the client's, echoed, if it sent one)."""
    request[REQUEST_ID] = str(uuid.uuid4())
    request[CLIENT_REQUEST_ID] = request.headers.get("client-request-id") or str(uuid.uuid4())
    response = await handler(request)
    response.headers["request-id"] = request[REQUEST_ID]
    response.headers["client-request-id"] = request[CLIENT_REQUEST_ID]
    return response


@web.middleware
async def request_log(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Records each /beta request as received (without its Authorization header) and its status."""
    if not is_beta(request):
        return await handler(request)
    entry = request.app[REQUEST_LOG].add(await _log_entry(request))
    response = await handler(request)
    entry["status"] = response.status
    return response


async def _log_entry(request: web.Request) -> dict[str, Any]:
    raw = await request.read()
    return {
        "method": request.method,
        "path": raw_path_only(request),
        "query": dict(request.query),
        "queryString": request.raw_path.partition("?")[2],
        "headers": {k: v for k, v in request.headers.items() if k.lower() != "authorization"},
        "body": _json_or_none(raw),
        "status": None,
        "receivedAt": time.monotonic(),  # the sandbox process's monotonic clock: for pace checks, not a date
    }


def _json_or_none(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw.strip() else None
    except (ValueError, UnicodeDecodeError):
        return None


@web.middleware
async def injected_faults(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not is_beta(request):
        return await handler(request)
    fault = request.app[FAULTS].take(f"{request.method} {raw_path_only(request)}")
    if fault is None:
        return await handler(request)
    if fault.after:  # the write happens, then the answer is late or lost: the client cannot know
        response = await handler(request)
        await asyncio.sleep(fault.delay)
        return response if fault.status is None else fault_response(request, fault)
    if fault.status is None and fault.delay:
        # Graph goes on with a slow request after its client gave up: the late write still happens.
        return await asyncio.shield(_late(request, handler, fault.delay))
    if fault.delay:
        await asyncio.sleep(fault.delay)
    return fault_response(request, fault)


async def _late(request: web.Request, handler: Handler, delay: float) -> web.StreamResponse:
    await asyncio.sleep(delay)
    return await handler(request)


def fault_response(request: web.Request, fault: Fault) -> web.Response:
    headers = {}
    if fault.retry_after is not None:
        headers["Retry-After"] = f"{fault.retry_after:g}"
    body = fault.body
    if body is None:
        body = envelope(fault.error_code(), fault.error_message(), request[REQUEST_ID], request[CLIENT_REQUEST_ID])
    return graph_json(body, status=fault.status or 500, headers=headers)


@web.middleware
async def graph_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """GraphError and aiohttp's own 4xx/5xx become Graph's envelope; anything else a 500 UnknownError."""
    try:
        return await handler(request)
    except GraphError as error:
        return error_response(request, error)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = "NotFound" if exc.status == 404 else "BadRequest" if exc.status < 500 else "UnknownError"
        return error_response(request, GraphError(exc.status, code, exc.reason))
    except Exception:
        log.exception("sandbox: unhandled error on %s %s", request.method, request.raw_path)
        return error_response(request, GraphError(500, "UnknownError", "An unexpected error occurred."))
