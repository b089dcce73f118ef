"""Issue 16: logs and telemetry. Without a connection string the Azure Monitor distribution is never imported; with
one, the bot's log records reach an Application Insights ingestion endpoint (a local one here). Each runs in a fresh
interpreter: the distribution installs process-wide providers that must not leak into other tests."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent
INSTRUMENTATION_KEY = "5f1c8a3e-0b7d-4e2a-9c61-3d4e5f6a7b80"
# Everything the distribution would send elsewhere (its own usage statistics, remote configuration, the Azure VM
# metadata service) is switched off: this test's only endpoint is the local one.
OFFLINE = {
    "APPLICATIONINSIGHTS_STATSBEAT_DISABLED_ALL": "true",
    "APPLICATIONINSIGHTS_CONTROLPLANE_DISABLED": "true",
    "APPLICATIONINSIGHTS_SDKSTATS_DISABLED": "true",
    "OTEL_EXPERIMENTAL_RESOURCE_DETECTORS": "otel",
    "OTEL_BLRP_SCHEDULE_DELAY": "100",
}

SCRIPT = """
import logging, sys
from bot.observability import configure_logging
from bot.settings import load_settings
configure_logging(load_settings(dotenv_path=None))
logging.getLogger("managerdesk.edge").warning("turn failed type=%s", "Probe")
if sys.argv[1] == "flush":
    from opentelemetry._logs import get_logger_provider
    get_logger_provider().force_flush()
loaded = sorted({m.split(".")[0] for m in sys.modules if m.startswith(("azure.monitor", "opentelemetry"))})
print("LOADED", ",".join(loaded))
"""


async def run_script(env: dict[str, str], mode: str) -> tuple[int, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("APPLICATIONINSIGHTS", "OTEL_", "LOG_"))}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        SCRIPT,
        mode,
        cwd=ROOT,
        env={**base, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode or 0, out.decode()


async def test_without_a_connection_string_telemetry_costs_nothing() -> None:
    code, out = await run_script({"LOG_FORMAT": "json"}, "plain")
    assert code == 0, out
    assert "LOADED \n" in out or out.rstrip().endswith("LOADED")
    record = json.loads(next(line for line in out.splitlines() if line.startswith("{")))
    assert record["level"] == "WARNING" and record["logger"] == "managerdesk.edge"
    assert record["message"] == "turn failed type=Probe"


async def test_with_a_connection_string_logs_reach_application_insights() -> None:
    received: list[dict[str, object]] = []

    async def track(request: web.Request) -> web.Response:
        body = await request.read()
        items = json.loads(body)
        received.extend(items if isinstance(items, list) else [items])
        return web.json_response({"itemsReceived": len(items), "itemsAccepted": len(items), "errors": []})

    app = web.Application()
    app.router.add_post("/v2.1/track", track)
    app.router.add_post("/v2/track", track)
    ingestion = TestServer(app, host="127.0.0.1", port=0)
    await ingestion.start_server()
    try:
        endpoint = str(ingestion.make_url("")).rstrip("/")
        connection = f"InstrumentationKey={INSTRUMENTATION_KEY};IngestionEndpoint={endpoint};LiveEndpoint={endpoint}"
        env = {**OFFLINE, "APPLICATIONINSIGHTS_CONNECTION_STRING": connection}
        code, out = await run_script(env, "flush")
    finally:
        await ingestion.close()
    assert code == 0, out
    assert "azure" in out.split("LOADED", 1)[1]
    messages = [
        item["data"]["baseData"].get("message")  # type: ignore[index]
        for item in received
        if item.get("iKey") == INSTRUMENTATION_KEY and item.get("name", "").endswith("Message")  # type: ignore[union-attr]
    ]
    assert "turn failed type=Probe" in messages, received


def test_the_connection_string_is_not_in_the_settings_repr() -> None:
    settings = load_settings({"APPLICATIONINSIGHTS_CONNECTION_STRING": f"InstrumentationKey={INSTRUMENTATION_KEY}"})
    assert settings.appinsights_connection_string and INSTRUMENTATION_KEY not in repr(settings)
