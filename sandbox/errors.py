"""Graph's error envelope, and the exception handlers raise to produce it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from sandbox.state import CLIENT_REQUEST_ID, REQUEST_ID

# What Graph sends; aiohttp clients still see the mimetype as application/json.
GRAPH_CONTENT_TYPE = (
    "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
)


class GraphError(Exception):
    """An error answer: the middleware turns it into Graph's envelope with this status and code."""

    def __init__(self, status: int, code: str, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def envelope(code: str, message: str, request_id: str, client_request_id: str) -> dict[str, Any]:
    return {
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                "request-id": request_id,
                "client-request-id": client_request_id,
            },
        }
    }


def graph_json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        text=json.dumps(body), status=status, headers={"Content-Type": GRAPH_CONTENT_TYPE, **(headers or {})}
    )


def error_response(request: web.Request, error: GraphError) -> web.Response:
    body = envelope(error.code, error.message, request[REQUEST_ID], request[CLIENT_REQUEST_ID])
    return graph_json(body, status=error.status, headers=error.headers)


def shifts_message(code: str, message: str, inner_code: str | None = None) -> str:
    """The Shifts service's habit: a whole JSON error, encoded as a string, in error.message."""
    inner: dict[str, Any] = {"code": code, "message": message, "details": []}
    if inner_code:
        inner["innererror"] = {"code": inner_code}
    return json.dumps({"error": inner}, separators=(",", ":"))


# -- the errors several operations share --------------------------------------------------------


def request_body_read(message: str) -> GraphError:
    return GraphError(400, "RequestBodyRead", message)


def unknown_property(name: str, type_name: str) -> GraphError:
    return request_body_read(
        f"The property '{name}' does not exist on type '{type_name}'. Make sure to only use property "
        "names that are defined by the type or mark the type as open type."
    )


def not_found(message: str = "The requested resource was not found.") -> GraphError:
    return GraphError(404, "NotFound", message)


def shifts_bad_request(message: str) -> GraphError:
    return GraphError(400, "BadRequest", shifts_message("BadRequest", message))


def shifts_team_not_found() -> GraphError:
    message = "Sorry, the team was not found, or you may not have access to it."
    return GraphError(404, "NotFound", shifts_message("NotFound", message))


def shifts_not_admin() -> GraphError:
    message = shifts_message("Forbidden", "Sorry, you need to be an admin to do this.", "MissingAdminPermissions")
    return GraphError(403, "Forbidden", message)
