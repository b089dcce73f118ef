"""OData plumbing shared by the operations: @odata.context, JSON bodies, $top/$skiptoken paging."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

from aiohttp import web

from sandbox.errors import GraphError, graph_json, request_body_read

GRAPH_BETA = "https://graph.microsoft.com/beta"
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 999


def context(fragment: str) -> str:
    return f"{GRAPH_BETA}/$metadata#{fragment}"


def key_literal(value: str) -> str:
    """An id as Graph writes it inside ('...') of an @odata.context: percent-encoded."""
    return quote(value, safe="")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def json_response(body: Any, status: int = 200) -> web.Response:
    return graph_json(body, status=status)


async def read_json(request: web.Request) -> Any:
    raw = await request.read()
    if not raw.strip():
        raise request_body_read("The request body is empty. A JSON object is expected.")
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise request_body_read(f"The request body is not valid JSON: {exc}.") from exc


def bad_query(message: str) -> GraphError:
    return GraphError(400, "BadRequest", message)


def page(request: web.Request, items: list[Any]) -> dict[str, Any]:
    """One page of `items` per $top (default 100) and $skiptoken, with an absolute @odata.nextLink
    that can be GET verbatim when more remain."""
    top = _top(request.query.get("$top"))
    start = _skip(request.query.get("$skiptoken"))
    body: dict[str, Any] = {"value": items[start : start + top]}
    if start + top < len(items):
        body["@odata.nextLink"] = next_link(request, start + top)
    return body


def next_link(request: web.Request, offset: int) -> str:
    params = [(k, v) for k, v in request.query.items() if k != "$skiptoken"]
    params.append(("$skiptoken", _encode_skip(offset)))
    path = request.raw_path.split("?", 1)[0]
    return f"{request.scheme}://{request.host}{path}?{urlencode(params, safe='$', quote_via=quote)}"


def _top(value: str | None) -> int:
    if value is None:
        return DEFAULT_PAGE_SIZE
    if not value.isdigit() or not 1 <= int(value) <= MAX_PAGE_SIZE:
        raise bad_query(f"Invalid value '{value}' for query option '$top'. Use 1 to {MAX_PAGE_SIZE}.")
    return int(value)


def _encode_skip(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def _skip(token: str | None) -> int:
    if token is None:
        return 0
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        kind, _, number = text.partition(":")
        if kind == "offset" and number.isdigit():
            return int(number)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise bad_query("The $skiptoken is not valid.")
