"""Logs and telemetry for every way the bot runs (`python app.py`, gunicorn): one stdout handler, plain text for
people or one JSON object per line for a log pipeline (LOG_FORMAT=json), and Application Insights when
APPLICATIONINSIGHTS_CONNECTION_STRING is set. The Azure Monitor distribution is imported only then: unset, it
costs nothing at start-up. Secrets are masked before any handler sees a record (bot/auth/logs.py)."""

from __future__ import annotations

import logging
import logging.config
from typing import Any

from bot.settings import Settings

log = logging.getLogger("managerdesk.observability")

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
# The JSON fields, in order; `time`, `level` and `logger` are the names log pipelines (and App Service) expect.
JSON_FIELDS = "{asctime}{levelname}{name}{message}"
JSON_RENAMES = {"asctime": "time", "levelname": "level", "name": "logger"}
# The telemetry that reaches Application Insights: the bot's own loggers (not every library's debug chatter).
TELEMETRY_LOGGER = "managerdesk"


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
    """Exports the bot's logs (and the traces and metrics of the libraries the distribution instruments) to
    Application Insights. Called once per process, after gunicorn forks its worker."""
    from azure.monitor.opentelemetry import configure_azure_monitor

    configure_azure_monitor(connection_string=connection_string, logger_name=TELEMETRY_LOGGER)
    log.info("application insights export on")
