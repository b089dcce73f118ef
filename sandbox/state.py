"""Typed keys of the sandbox application's shared state."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from sandbox.faults import FaultBoard, RequestLog
from sandbox.store import SandboxStore
from sandbox.throttle import WriteLimiter
from sandbox.validation import BodyValidator

STORE = web.AppKey("store", SandboxStore)
PUBLIC_KEY = web.AppKey("public_key", RSAPublicKey)
FIXTURE_PATH = web.AppKey("fixture_path", Path)
FAULTS = web.AppKey("faults", FaultBoard)
REQUEST_LOG = web.AppKey("request_log", RequestLog)
VALIDATOR = web.AppKey("validator", BodyValidator)
WRITE_LIMITER = web.AppKey("write_limiter", WriteLimiter)

REQUEST_ID = web.RequestKey("request_id", str)
CLIENT_REQUEST_ID = web.RequestKey("client_request_id", str)
PARAMS = web.RequestKey("params", dict[str, str])
