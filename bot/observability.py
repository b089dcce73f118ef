"""Logs and telemetry for every way the bot runs (`python app.py`, gunicorn): one stdout handler, plain text for
people or one JSON object per line for a log pipeline (LOG_FORMAT=json), and Application Insights when
APPLICATIONINSIGHTS_CONNECTION_STRING is set. The Azure Monitor distribution is imported only then: unset, it
costs nothing at start-up. Secrets are masked before any handler sees a record (bot/auth/logs.py)."""

from __future__ import annotations

import logging
import logging.config
import os
from typing import Any

from yarl import URL

from bot.settings import Settings

log = logging.getLogger("managerdesk.observability")

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
# The JSON fields, in order; `time`, `level` and `logger` are the names log pipelines (and App Service) expect.
JSON_FIELDS = "{asctime}{levelname}{name}{message}"
JSON_RENAMES = {"asctime": "time", "levelname": "level", "name": "logger"}
# The telemetry that reaches Application Insights: the bot's own loggers (not every library's debug chatter).
TELEMETRY_LOGGER = "managerdesk"
# Probes are not requests worth a telemetry item each (every few seconds, from every host's health checker).
PROBES = "healthz,readyz"


def logging_config(level: str = "INFO", fmt: str = "text") -> dict[str, Any]:
    """A `logging.config.dictConfig` dictionary; gunicorn.conf.py hands the same one to gunicorn so its own
    lines (worker boot, shutdown) come out in the same format."""
    formatter: dict[str, Any]
    if fmt == "json":
        formatter = {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": JSON_FIELDS,
            "style": "{",
            "rename_fields": dict(JSON_RENAMES),
            "datefmt": "%Y-%m-%dT%H:%M:%S%z",
        }
    else:
        formatter = {"format": TEXT_FORMAT}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"managerdesk": formatter},
        "handlers": {
            "stdout": {"class": "logging.StreamHandler", "formatter": "managerdesk", "stream": "ext://sys.stdout"}
        },
        "root": {"level": level, "handlers": ["stdout"]},
        "loggers": {
            "gunicorn.error": {"level": level, "handlers": [], "propagate": True},
            "gunicorn.access": {"level": level, "handlers": [], "propagate": True},
            # The Azure SDK logs every HTTP request it makes at INFO (the telemetry export itself included).
            "azure": {"level": "WARNING", "handlers": [], "propagate": True},
        },
    }


def configure_logging(settings: Settings) -> None:
    logging.config.dictConfig(logging_config(settings.log_level, settings.log_format))
    if settings.appinsights_connection_string:
        start_application_insights(settings.appinsights_connection_string)


def start_application_insights(connection_string: str) -> None:
    """Exports the bot's logs, its incoming requests and its outgoing aiohttp calls (Graph, Bot Connector) to
    Application Insights. Called once per process, after gunicorn forks its worker, and before the app is built:
    the server instrumentation adds its middleware to applications created afterwards."""
    from azure.monitor.opentelemetry import configure_azure_monitor
    from opentelemetry.instrumentation.aiohttp_client import AioHttpClientInstrumentor
    from opentelemetry.instrumentation.aiohttp_server import AioHttpServerInstrumentor

    configure_azure_monitor(connection_string=connection_string, logger_name=TELEMETRY_LOGGER)
    os.environ.setdefault("OTEL_PYTHON_AIOHTTP_SERVER_EXCLUDED_URLS", PROBES)
    AioHttpServerInstrumentor().instrument()
    AioHttpClientInstrumentor().instrument(url_filter=without_query)
    log.info("application insights export on")


def without_query(url: URL) -> str:
    """A Graph URL's query can hold what a manager typed (a customer's email in a $filter): it is not exported."""
    return str(url.with_query(None).with_fragment(None))
