"""Routing of /beta requests, segment by segment on the raw path.

The raw path is split on its literal slashes first and each segment is then percent-decoded exactly
once, so an id such as `a%2F..%2Fb` stays one segment (`a/../b`) that names nothing: it can never
reach another route. Dot segments are never resolved. Literal segments compare case-insensitively,
as Graph's do (`bookingbusinesses` works too)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import unquote

from aiohttp import web

from sandbox.errors import GraphError, not_found
from sandbox.state import PARAMS

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

BETA_PREFIX = "/beta/"


@dataclass(frozen=True)
class Route:
    method: str
    pattern: tuple[str, ...]
    handler: Handler

    def match(self, segments: list[str]) -> dict[str, str] | None:
        if len(segments) != len(self.pattern):
            return None
        params: dict[str, str] = {}
        for want, got in zip(self.pattern, segments, strict=True):
            if want.startswith("{"):
                if not got:
                    return None
                params[want.strip("{}")] = got
            elif want.casefold() != got.casefold():
                return None
        return params


def route(method: str, path: str, handler: Handler) -> Route:
    return Route(method, tuple(path.strip("/").split("/")), handler)


def raw_path_only(request: web.Request) -> str:
    return request.raw_path.split("?", 1)[0].split("#", 1)[0]


def beta_segments(request: web.Request) -> list[str]:
    raw = raw_path_only(request)
    return [unquote(segment) for segment in raw[len(BETA_PREFIX) :].split("/")]


def dispatcher(routes: list[Route]) -> Handler:
    async def dispatch(request: web.Request) -> web.StreamResponse:
        segments = beta_segments(request)
        matches = [(r, params) for r in routes if (params := r.match(segments)) is not None]
        if not matches:
            raise not_found(f"Resource not found for the path '{raw_path_only(request)}'.")
        for candidate, params in matches:
            if candidate.method == request.method:
                request[PARAMS] = params
                return await candidate.handler(request)
        allowed = ", ".join(sorted({r.method for r, _ in matches}))
        raise GraphError(405, "BadRequest", f"The HTTP method '{request.method}' is not allowed here ({allowed}).")

    return dispatch


def param(request: web.Request, name: str) -> str:
    return request[PARAMS][name]
