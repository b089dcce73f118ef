"""No secret in a log line, a card or an invoke answer: the client secret, Teams' SSO token, the token service's
tokens, Graph access and refresh tokens, and any Authorization header value (the channel's JWT, the bot's own
outbound token, the Graph bearer). The tests run the sign-in paths, good and bad, with every logger at DEBUG,
then grep everything captured for the very values used."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from bot.auth.scopes import CUSTOMER_SCOPES, graph_scopes
from tests.support.fake_entra import FakeEntra
from tests.support.sso_desk import CLIENT_SECRET, CONNECTION, SsoDesk, sso_desk


def captured(caplog: pytest.LogCaptureFixture) -> str:
    parts = [caplog.text]
    for record in caplog.records:
        parts += [record.getMessage(), record.exc_text or "", record.stack_info or ""]
    return "\n".join(parts)


def leaks(desk: SsoDesk, texts: list[str]) -> list[str]:
    everything = "\n".join(texts)
    return [secret[:12] + "…" for secret in desk.secrets() if secret in everything]


def shown(desk: SsoDesk, answers: list[Any]) -> list[str]:
    """What users could see: every activity sent to the connector, every card update, every invoke answer."""
    return (
        [json.dumps(body) for body in desk.connector.sent()]
        + [json.dumps(call.body) for call in desk.connector.updates()]
        + [json.dumps(answer) for answer in answers]
    )


async def test_sign_in_paths_leak_no_secret_to_logs_or_cards(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    answers: list[Any] = []
    async with sso_desk(tmp_path, monkeypatch=monkeypatch) as desk:
        desk.entra.consented = set()
        await desk.teams.say("/probe first")  # OAuth card
        desk.tokens.refuse_exchanges = True
        answers.append(await desk.token_exchange(exchange_id="refused"))  # 412 from the token service
        desk.tokens.refuse_exchanges = False
        answers.append(await desk.token_exchange(exchange_id="no-consent"))  # 412 from on-behalf-of
        desk.entra.grant_consent(*graph_scopes(CUSTOMER_SCOPES))
        answers.append(await desk.token_exchange(exchange_id="ok"))  # 200, the command resumes
        await desk.idle()
        authentication = {"id": "card", "connectionName": CONNECTION, "token": desk.sso_token()}
        answers.append(await desk.teams.execute("probe.run", {"note": "x"}, authentication=authentication))
        answers.append(await desk.teams.execute("probe.leak", {}))  # an exception quoting a bearer token
        desk.tokens.add_magic_code("975310", desk.teams.user["id"], desk.teams.user["aadObjectId"], "x")
        answers.append(await desk.teams.invoke("signin/verifyState", {"state": "975310"}))
        await desk.teams.say("/signout")
        await desk.idle()

        secrets = desk.secrets()
        assert CLIENT_SECRET in secrets and desk.credentials.token in secrets
        assert desk.entra.issued_access_tokens and desk.entra.issued_refresh_tokens
        assert len(desk.teams.sent_authorizations) >= 8
        assert any("Bearer" in a for a in desk.graph.authorizations)
        assert "unexpected" in str(answers[-2]).lower() or "went wrong" in str(answers[-2])
        assert "upstream refused the call" in caplog.text  # the exception was logged, redacted
        assert leaks(desk, [captured(caplog)]) == []
        assert leaks(desk, shown(desk, answers)) == []


async def test_a_wrong_client_secret_is_logged_by_code_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)

    def other_secret(entra: FakeEntra) -> None:
        entra.client_secret = "the-secret-entra-expects-not-ours"

    async with sso_desk(tmp_path, monkeypatch=monkeypatch, entra_setup=other_secret) as desk:
        await desk.teams.say("/probe")
        status, body = await desk.token_exchange()
        assert status == 412 and body["failureDetail"] == "invalid_client"
        [request] = desk.entra.token_requests
        sent = json.dumps(request.data) + json.dumps(request.headers)
        assert CLIENT_SECRET in sent or "Basic " in sent  # MSAL did send our secret, to Entra only
        assert "invalid_client" in caplog.text
        assert leaks(desk, [captured(caplog)]) == []
        assert leaks(desk, shown(desk, [body])) == []


async def test_redaction_also_reaches_handlers_added_after_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with sso_desk(tmp_path, monkeypatch=monkeypatch) as desk:
        lines: list[str] = []

        class Collect(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                lines.append(self.format(record))

        handler = Collect()
        logger = logging.getLogger("some.library")
        logger.addHandler(handler)
        try:
            token = desk.sso_token()
            logger.warning("config: secret %s token %s", CLIENT_SECRET, token)
            logger.warning("headers %s", {"Authorization": f"Bearer {desk.credentials.token}"})
        finally:
            logger.removeHandler(handler)
        joined = "\n".join(lines)
        assert CLIENT_SECRET not in joined and token not in joined and desk.credentials.token not in joined
        assert joined.count("[REDACTED]") >= 3
