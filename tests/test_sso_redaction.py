"""redact() and RedactingFilter: tokens, Authorization values and secrets never reach a log line."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import jwt
import pytest

from bot.auth.sso import RedactingFilter, install_redaction, redact

JWT = jwt.encode({"oid": "x", "scp": "access_as_user"}, "k" * 32, algorithm="HS256")
UNSIGNED = jwt.encode({"oid": "x"}, None, algorithm="none")
REFRESH = "1.ARfake.AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
SECRET = "Zx8Q~client.secret_value"


@pytest.mark.parametrize(
    "text, secret",
    [
        (f"token is {JWT} ok", JWT),
        (f"unsigned {UNSIGNED}", UNSIGNED),
        (f"Authorization: Bearer {JWT}", JWT),
        ("headers={'Authorization': 'Basic ZGVtbzpzZWNyZXQtdmFsdWUtMTIz'}", "ZGVtbzpzZWNyZXQtdmFsdWUtMTIz"),
        ("authorization=opaque-credential-value", "opaque-credential-value"),
        (f"sent Bearer {REFRESH}", REFRESH),
        (f'{{"refresh_token": "{REFRESH}", "token_type": "Bearer"}}', REFRESH),
        (f"grant_type=refresh_token&refresh_token={REFRESH}&scope=x", REFRESH),
        (f"client_secret={SECRET}&client_id=abc", SECRET),
        (f"{{'assertion': '{REFRESH}'}}", REFRESH),
        (f'{{"secret": "{REFRESH}"}}', REFRESH),
        (f'invoke value {{"id": "1", "connectionName": "graph", "token": "{REFRESH}"}}', REFRESH),
    ],
)
def test_redact_masks_tokens_and_secrets(text, secret):
    masked = redact(text)
    assert secret not in masked
    assert "[REDACTED]" in masked


def test_redact_masks_literal_secrets_and_keeps_the_rest():
    masked = redact(f"the secret {SECRET} was rotated; error invalid_client AADSTS7000215", [SECRET])
    assert masked == "the secret [REDACTED] was rotated; error invalid_client AADSTS7000215"


def test_redact_leaves_ordinary_text_alone():
    text = 'token request refused: invalid_grant AADSTS65001 correlation id 1f2e; "token_type": "Bearer"'
    assert redact(text) == text


@pytest.fixture
def redacting_caplog(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    redacting = RedactingFilter([SECRET])
    caplog.handler.addFilter(redacting)
    caplog.set_level(logging.DEBUG)
    yield caplog
    caplog.handler.removeFilter(redacting)


def test_filter_redacts_messages_args_and_tracebacks(redacting_caplog):
    log = logging.getLogger("bot.somewhere.deep")
    log.info("calling Graph with %s", {"Authorization": f"Bearer {JWT}"})
    log.debug("secret is %s", SECRET)
    try:
        raise RuntimeError(f"upstream said refresh_token={REFRESH}")
    except RuntimeError:
        log.exception("failed with %r", UNSIGNED)

    text = redacting_caplog.text
    for value in (JWT, SECRET, REFRESH, UNSIGNED):
        assert value not in text
    assert "calling Graph with" in text and "RuntimeError" in text


def test_filter_survives_a_broken_format_string(redacting_caplog):
    logging.getLogger("bot").warning("bad %d format", JWT)
    assert JWT not in redacting_caplog.text


def test_install_redaction_covers_handlers_not_just_the_logger():
    """A logger's own filter never sees records propagated from child loggers; handlers do."""
    root = logging.getLogger("redaction-test-root")
    root.propagate = False
    seen: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(self.format(record))

    handler = Collect()
    root.addHandler(handler)
    try:
        redacting = install_redaction([SECRET], root)
        logging.getLogger("redaction-test-root.child").warning("token %s and %s", JWT, SECRET)
    finally:
        root.removeHandler(handler)
        root.removeFilter(redacting)

    assert seen and JWT not in seen[0] and SECRET not in seen[0]
