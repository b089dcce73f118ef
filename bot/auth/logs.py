"""Process-wide log redaction, installed once at start-up (create_app) with the client secret as a literal.

`bot.auth.sso.install_redaction` puts a `RedactingFilter` on the root logger and its handlers as they are at
that moment. A handler added later (a log shipper, pytest's capture) would see raw records, so the same
filter also runs in the log record factory: every record is redacted when it is created, whoever handles it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

from bot.auth.sso import RedactingFilter, install_redaction

_lock = threading.Lock()
_filter: RedactingFilter | None = None
_secrets: set[str] = set()


def install_log_redaction(secrets: Iterable[str] = ()) -> RedactingFilter:
    """Idempotent: later calls add their secrets to the one filter (and reach handlers added since)."""
    global _filter
    with _lock:
        if _filter is None:
            _filter = install_redaction()
            _wrap_record_factory(_filter)
        for secret in secrets:
            if secret and secret not in _secrets:
                _secrets.add(secret)
                _filter.add_secret(secret)
        for handler in logging.getLogger().handlers:
            if _filter not in handler.filters:
                handler.addFilter(_filter)
        return _filter


def _wrap_record_factory(redacting: RedactingFilter) -> None:
    previous = logging.getLogRecordFactory()

    def redacted_record(*args: object, **kwargs: object) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        redacting.filter(record)
        return record

    logging.setLogRecordFactory(redacted_record)
