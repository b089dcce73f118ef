"""Issue 16: logs and telemetry. Without a connection string the Azure Monitor distribution is never imported; with
one, the bot's log records reach an Application Insights ingestion endpoint (a local one here). Each runs in a fresh
interpreter: the distribution installs process-wide providers that must not leak into other tests."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from bot.settings import load_settings
from tests.support.app_insights import INSTRUMENTATION_KEY, start_ingestion

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = """
import logging, sys
from bot.observability import configure_logging
from bot.settings import load_settings
configure_logging(load_settings(dotenv_path=None))
logging.getLogger("managerdesk.edge").warning("turn failed type=%s", "Probe")
if sys.argv[1] == "flush":
    import asyncio
    from aiohttp import ClientSession, web
    from opentelemetry import trace
    from opentelemetry._logs import get_logger_provider

    async def serve_one_request():
        app = web.Application()  # created after the instrumentation, as the bot's is
        app.router.add_post("/api/messages", lambda request: web.Response(status=201))
        app.router.add_get("/healthz", lambda request: web.json_response({"status": "alive"}))
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        async with ClientSession() as session:
            await (await session.post(f"http://127.0.0.1:{port}/api/messages?email=adele@contoso.com", json={})).read()
            await (await session.get(f"http://127.0.0.1:{port}/healthz")).read()
        await runner.cleanup()

    asyncio.run(serve_one_request())
    trace.get_tracer_provider().force_flush()
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


async def test_with_a_connection_string_logs_requests_and_calls_reach_application_insights() -> None:
    ingestion = await start_ingestion()
    try:
        code, out = await run_script(ingestion.env, "flush")
    finally:
        await ingestion.server.close()
    assert code == 0, out
    assert "azure" in out.split("LOADED", 1)[1]
    assert "turn failed type=Probe" in [m["message"] for m in ingestion.items("Message")]
    [request] = ingestion.items("Request")  # the probe is not a request worth an item
    assert request["url"].split("?")[0].endswith("/api/messages") and request["responseCode"] == "201"
    dependencies = ingestion.items("RemoteDependency")
    assert any(d["data"].endswith("/api/messages") for d in dependencies), dependencies
    assert "adele" not in json.dumps(dependencies)  # an outgoing URL's query is not exported


def test_the_connection_string_is_not_in_the_settings_repr() -> None:
    settings = load_settings({"APPLICATIONINSIGHTS_CONNECTION_STRING": f"InstrumentationKey={INSTRUMENTATION_KEY}"})
    assert settings.appinsights_connection_string and INSTRUMENTATION_KEY not in repr(settings)
