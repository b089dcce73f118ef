"""Test controls' state: injected faults and the log of /beta requests. In memory, never persisted."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

# The error code a fault answers with when the test gives none.
DEFAULT_CODES = {
    400: "BadRequest",
    401: "InvalidAuthenticationToken",
    403: "Forbidden",
    404: "NotFound",
    409: "Conflict",
    429: "TooManyRequests",
    500: "UnknownError",
    502: "BadGateway",
    503: "serviceNotAvailable",
    504: "GatewayTimeout",
}

DEFAULT_MESSAGES = {
    429: "Too many requests. Please retry after the time given in the Retry-After header.",
    503: "The service is temporarily unavailable. Please retry later.",
    504: "The request timed out.",
}


@dataclass
class Fault:
    """What the next `remaining` matching /beta requests get instead of (or before) the real answer."""

    status: int | None
    remaining: int = 1
    retry_after: float | None = None
    delay: float = 0.0
    match: re.Pattern[str] | None = None
    body: dict[str, Any] | None = None
    code: str | None = None
    message: str | None = None
    after: bool = False  # the request is processed first (the write happens), then the delay and the status

    def matches(self, line: str) -> bool:
        return self.remaining > 0 and (self.match is None or self.match.search(line) is not None)

    def error_code(self) -> str:
        return self.code or DEFAULT_CODES.get(self.status or 500, "UnknownError")

    def error_message(self) -> str:
        return self.message or DEFAULT_MESSAGES.get(self.status or 500, "Injected fault.")

    def describe(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "count": self.remaining,
            "retryAfter": self.retry_after,
            "delay": self.delay,
            "match": self.match.pattern if self.match else None,
            "body": self.body,
            "code": self.code,
            "message": self.message,
            "after": self.after,
        }


def parse_fault(spec: object) -> Fault:
    """Builds a Fault from the POST /_sandbox/faults body; ValueError says what is wrong."""
    if not isinstance(spec, dict):
        raise ValueError("body must be a JSON object")
    unknown = set(spec) - {"status", "count", "retryAfter", "delay", "match", "body", "code", "message", "after"}
    if unknown:
        raise ValueError(f"unknown fields: {sorted(unknown)}")
    status = _optional_int(spec, "status", 100, 599)
    delay = _number(spec, "delay", 0.0)
    if status is None and not delay:
        raise ValueError("give a status, a delay, or both")
    return Fault(
        status=status,
        remaining=_optional_int(spec, "count", 1, 10_000) or 1,
        retry_after=_number(spec, "retryAfter", None),
        delay=delay or 0.0,
        match=_regex(spec.get("match")),
        body=_optional_object(spec, "body"),
        code=_optional_str(spec, "code"),
        message=_optional_str(spec, "message"),
        after=spec.get("after") is True,
    )


def _optional_int(spec: dict[str, Any], name: str, low: int, high: int) -> int | None:
    value = spec.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{name} must be an integer in [{low}, {high}]")
    return value


def _number(spec: dict[str, Any], name: str, default: float | None) -> float | None:
    value = spec.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(f"{name} must be a non-negative number of seconds")
    return float(value)


def _regex(value: object) -> re.Pattern[str] | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("match must be a regular expression string")
    try:
        return re.compile(value)
    except re.error as exc:
        raise ValueError(f"match is not a valid regular expression: {exc}") from exc


def _optional_object(spec: dict[str, Any], name: str) -> dict[str, Any] | None:
    value = spec.get(name)
    if value is not None and not isinstance(value, dict):
        raise ValueError(f"{name} must be a JSON object")
    return value


def _optional_str(spec: dict[str, Any], name: str) -> str | None:
    value = spec.get(name)
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{name} must be a string")
    return value


@dataclass
class FaultBoard:
    faults: list[Fault] = field(default_factory=list)

    def add(self, fault: Fault) -> None:
        self.faults.append(fault)

    def clear(self) -> None:
        self.faults.clear()

    def take(self, line: str) -> Fault | None:
        """The first pending fault matching "METHOD /raw/path", spending one of its uses."""
        for fault in self.faults:
            if fault.matches(line):
                fault.remaining -= 1
                self.faults = [f for f in self.faults if f.remaining > 0]
                return fault
        return None

    def describe(self) -> list[dict[str, Any]]:
        return [fault.describe() for fault in self.faults]


@dataclass
class RequestLog:
    entries: list[dict[str, Any]] = field(default_factory=list)

    def add(self, entry: dict[str, Any]) -> dict[str, Any]:
        self.entries.append(entry)
        return entry

    def clear(self) -> None:
        self.entries.clear()
