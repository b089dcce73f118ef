"""Graph failures as typed exceptions. Built from Graph's error envelope; never carries a token."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass
class GraphError(Exception):
    status: int
    code: str = ""
    message: str = ""
    inner_code: str = ""  # the most specific code found (innerError.code, or the code in a JSON message)
    target: str | None = None
    request_id: str | None = None
    client_request_id: str | None = None
    retry_after: float | None = None

    def __post_init__(self) -> None:
        super().__init__(self.__str__())

    def __str__(self) -> str:
        return f"Graph {self.status} {self.code or '-'}/{self.inner_code or '-'} (request-id {self.request_id})"

    @property
    def codes(self) -> set[str]:
        return {c.lower() for c in (self.code, self.inner_code) if c}


class GraphBadRequest(GraphError):
    pass


class GraphUnauthorized(GraphError):
    pass


class GraphForbidden(GraphError):
    pass


class GraphNotFound(GraphError):
    pass


class GraphThrottled(GraphError):
    """429 still there after the retries we could afford."""


class GraphUnavailable(GraphError):
    """5xx, or a timeout or network failure (status 0). For a POST, the outcome is unknown."""


_BY_STATUS: dict[int, type[GraphError]] = {
    400: GraphBadRequest,
    401: GraphUnauthorized,
    403: GraphForbidden,
    404: GraphNotFound,
    429: GraphThrottled,
}


def error_from_response(
    status: int, body: Any, headers: dict[str, str], retry_after: float | None = None
) -> GraphError:
    error = body.get("error") if isinstance(body, dict) else None
    error = error if isinstance(error, dict) else {}
    code = _text(error.get("code"))
    message = _text(error.get("message"))
    inner = error.get("innerError") or error.get("innererror") or {}
    inner = inner if isinstance(inner, dict) else {}
    inner_code = _deepest_code(inner)
    nested = _json_in_message(message)
    if nested is not None:  # Shifts puts a whole error envelope, as JSON, in error.message
        code = _text(nested.get("code")) or code
        message = _text(nested.get("message")) or message
        nested_inner = nested.get("innerError") or nested.get("innererror") or {}
        inner_code = _deepest_code(nested_inner) if isinstance(nested_inner, dict) else inner_code or ""
    cls = _BY_STATUS.get(status, GraphUnavailable if status >= 500 or status == 0 else GraphError)
    return cls(
        status=status,
        code=code,
        message=message,
        inner_code=inner_code,
        target=error["target"] if isinstance(error.get("target"), str) else None,
        request_id=_text(inner.get("request-id")) or headers.get("request-id"),
        client_request_id=_text(inner.get("client-request-id")) or headers.get("client-request-id"),
        retry_after=retry_after,
    )


def _text(value: Any) -> str:
    """A string field of Graph's envelope; anything else (a number, an object, a list) is not trusted as one."""
    return value if isinstance(value, str) else ""


def _deepest_code(inner: Any) -> str:
    code = ""
    for _ in range(32):  # bounded: a hostile body may nest deeply
        if not isinstance(inner, dict):
            break
        code = _text(inner.get("code")) or code
        inner = inner.get("innerError") or inner.get("innererror")
    return code


def _json_in_message(message: str) -> dict[str, Any] | None:
    if not message.lstrip().startswith("{"):
        return None
    try:
        parsed = json.loads(message)
    except (ValueError, RecursionError):
        return None
    nested = parsed.get("error") if isinstance(parsed, dict) else None
    return nested if isinstance(nested, dict) else None
