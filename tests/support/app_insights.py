"""A local stand-in for the Application Insights ingestion endpoint (`POST /v2.1/track`), recording every telemetry
item, and the environment that keeps the Azure Monitor distribution from talking to anything else."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

INSTRUMENTATION_KEY = "5f1c8a3e-0b7d-4e2a-9c61-3d4e5f6a7b80"
# Everything the distribution would send elsewhere (its own usage statistics, remote configuration, the Azure VM
# metadata service) is switched off; batches are exported every 100 ms instead of every 5 s; every trace is kept
# (the distribution's default rate-limited sampler, 5 traces a second, drops a process's first ones).
OFFLINE = {
    "APPLICATIONINSIGHTS_STATSBEAT_DISABLED_ALL": "true",
    "APPLICATIONINSIGHTS_CONTROLPLANE_DISABLED": "true",
    "APPLICATIONINSIGHTS_SDKSTATS_DISABLED": "true",
    "OTEL_EXPERIMENTAL_RESOURCE_DETECTORS": "otel",
    "OTEL_BLRP_SCHEDULE_DELAY": "100",
    "OTEL_BSP_SCHEDULE_DELAY": "100",
    "OTEL_TRACES_SAMPLER": "always_on",
}


@dataclass
class Ingestion:
    server: TestServer
    received: list[dict[str, Any]] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        endpoint = str(self.server.make_url("")).rstrip("/")
        connection = f"InstrumentationKey={INSTRUMENTATION_KEY};IngestionEndpoint={endpoint};LiveEndpoint={endpoint}"
        return {**OFFLINE, "APPLICATIONINSIGHTS_CONNECTION_STRING": connection}

    def items(self, kind: str) -> list[dict[str, Any]]:
        """The `baseData` of every item of a kind: Message, Request, RemoteDependency, ..."""
        return [
            item["data"]["baseData"]
            for item in self.received
            if item.get("iKey") == INSTRUMENTATION_KEY and item.get("name") == f"Microsoft.ApplicationInsights.{kind}"
        ]


async def start_ingestion() -> Ingestion:
    app = web.Application()
    ingestion = Ingestion(TestServer(app, host="127.0.0.1", port=0))

    async def track(request: web.Request) -> web.Response:
        items = json.loads(await request.read())
        items = items if isinstance(items, list) else [items]
        ingestion.received.extend(items)
        return web.json_response({"itemsReceived": len(items), "itemsAccepted": len(items), "errors": []})

    app.router.add_post("/v2.1/track", track)
    await ingestion.server.start_server()
    return ingestion
