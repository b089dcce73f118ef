"""The edge under bad input and failing neighbours, over HTTP: nothing a client or the connector does makes a 500."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import aiohttp
import pytest
from yarl import URL

from bot.teams.app import SERVICES_KEY
from tests.conftest import BotFactory
from tests.desk import texts as texts_of
from tests.support.sso_desk import sso_desk
from tests.teams import Connector, TeamsClient, card_of


async def raw_post(bot_url: str, body: bytes, headers: dict[str, bytes]) -> int:
    """POST /api/messages with header values as raw bytes (aiohttp's client would refuse non-Latin-1 ones)."""
    url = URL(bot_url)
    reader, writer = await asyncio.open_connection(url.host, url.port)
    head = b"POST /api/messages HTTP/1.1\r\nHost: bot\r\nConnection: close\r\n"
    head += b"".join(name.encode() + b": " + value + b"\r\n" for name, value in headers.items())
    writer.write(head + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    await writer.drain()
    status_line = await reader.readline()
    writer.close()
    return int(status_line.split()[1])


@pytest.mark.parametrize("body", [b"null", b"[]", b"42", b'"message"', b"{"])
async def test_a_body_that_is_not_an_activity_is_400_before_auth(teams: TeamsClient, body: bytes) -> None:
    response = await teams.session.post(
        f"{teams.bot_url}/api/messages", data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status == 400
    assert teams.connector.calls == []


async def test_a_null_body_is_400_with_an_app_id_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with sso_desk(tmp_path, monkeypatch=monkeypatch) as desk:
        response = await desk.teams.session.post(
            f"{desk.teams.bot_url}/api/messages", data=b"null", headers={"Content-Type": "application/json"}
        )
        assert response.status == 400


async def test_a_body_over_one_megabyte_is_413(teams: TeamsClient) -> None:
    activity = teams.base_activity("message", text="/help " + "x" * (1024 * 1024))
    response = await teams.post(activity)
    assert response.status == 413
    assert teams.connector.calls == []


async def test_a_connector_503_is_logged_not_a_500(teams: TeamsClient, caplog: pytest.LogCaptureFixture) -> None:
    teams.connector.fail_with = 503
    response = await teams.post(teams.base_activity("message", text="/help"))
    assert response.status == 201
    # The reply failed, then the error notice too: both logged with their status, nothing raised.
    assert "turn failed error=ConnectorError" in caplog.text and "status=503" in caplog.text
    assert "notice not delivered" in caplog.text


async def test_an_action_submit_whose_update_gets_a_503_is_not_a_500(teams: TeamsClient) -> None:
    teams.connector.fail_with = 503
    response = await teams.submit({"verb": "no.such.verb"}, card_activity_id="activity-7")
    assert response.status == 201


@pytest.mark.parametrize(
    "conversation_id",
    ["a/../../b", "conv?x=1#frag", "19:abc@thread.tacv2;messageid=17", "conv with spaces é 日本", "%2F..%2F", ".."],
)
async def test_replies_to_junk_conversation_ids_stay_in_that_conversation(
    teams: TeamsClient, conversation_id: str
) -> None:
    activity = teams.base_activity("message", text="/help")
    activity["conversation"]["id"] = conversation_id
    response = await teams.post(activity)
    assert response.status == 201
    [call] = teams.connector.calls
    assert call.conversation_id == conversation_id
    assert call.body["conversation"]["id"] == conversation_id
    assert "/customer" in texts_of(card_of(call.body) or {})


@pytest.mark.parametrize("service_url", ["", "not a url", "ftp://connector.example/", "http://"])
async def test_a_junk_service_url_is_no_500(teams: TeamsClient, service_url: str) -> None:
    activity = teams.base_activity("message", text="/help", serviceUrl=service_url)
    response = await teams.post(activity)
    assert response.status == 201


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Bearer é日本".encode()},
        {"Content-Type": "application/json; charset=é".encode(), "X-Ms-Conversation-Id": "日本".encode()},
        {"Authorization": b"Bearer \xff\xfe"},
    ],
)
async def test_non_latin1_header_values_are_no_500(
    bot_factory: BotFactory, connector: Connector, headers: dict[str, bytes]
) -> None:
    server = await bot_factory()
    body = b'{"type": "message", "text": "/help", "serviceUrl": "' + connector.service_url.encode() + b'"}'
    status = await raw_post(str(server.make_url("")), body, {"Content-Type": b"application/json", **headers})
    assert status in (201, 400, 401)


async def test_turn_errors_are_logged_with_their_context(teams: TeamsClient, caplog: pytest.LogCaptureFixture) -> None:
    teams.connector.fail_with = 502
    activity = teams.base_activity("message", text="/help")
    with caplog.at_level(logging.INFO):
        await teams.post(activity)
    [record] = [r for r in caplog.records if r.getMessage().startswith("turn failed")]
    message = record.getMessage()
    assert f"activity_id={activity['id']}" in message and "status=502" in message and "type=message" in message


async def test_readyz_is_503_when_storage_does_not_answer(bot_factory: BotFactory, http: aiohttp.ClientSession) -> None:
    server = await bot_factory()
    url = f"{str(server.make_url('')).rstrip('/')}/readyz"
    async with http.get(url) as ready:
        assert ready.status == 200 and (await ready.json())["storage"] is True
    server.app[SERVICES_KEY].storage.close()
    async with http.get(url) as broken:
        assert broken.status == 503 and (await broken.json())["status"] == "not ready"


@pytest.mark.parametrize(
    "mutation",
    [
        {"conversation": "conv-personal"},
        {"conversation": None},
        {"from": 5},
        {"recipient": None},
        {"entities": "mention"},
        {"entities": [None, 3, {"type": "mention", "mentioned": "x"}]},
        {"channelData": []},
        {"channelData": {"tenant": "x", "team": 7}},
        {"locale": 12},
        {"id": {"x": 1}},
        {"serviceUrl": 42},
        {"text": None},
        {"value": ["verb"]},
        {"replyToId": 3},
        {"type": "invoke", "name": "adaptiveCard/action", "value": {"action": "x"}},
        {"type": "invoke", "name": "adaptiveCard/action", "value": {"action": {"verb": 3, "data": []}}},
        {"type": "invoke", "name": "application/search", "value": {"dataset": 3, "queryText": None}},
        {"type": "invoke", "name": "signin/tokenExchange", "value": None},
        {"type": "invoke", "name": None},
        {"type": "conversationUpdate", "membersAdded": "bot"},
        {"type": "conversationUpdate", "membersAdded": [None, {"id": None}]},
        {"type": 7},
    ],
)
async def test_wrong_typed_activity_fields_are_no_500(teams: TeamsClient, mutation: dict[str, object]) -> None:
    activity = {**teams.base_activity("message", text="/help"), **mutation}
    response = await teams.post(activity)
    assert response.status in (200, 201, 400, 412, 501), (mutation, response.status)  # 412: exchange refused


async def test_a_refused_tenant_whose_refusal_cannot_be_delivered_is_no_500(
    bot_factory: BotFactory, connector: Connector, http: aiohttp.ClientSession
) -> None:
    server = await bot_factory(allowed_tenants=("0f9e8d7c-aaaa-4bbb-8ccc-ddddeeeeffff",))
    teams = TeamsClient(bot_url=str(server.make_url("")).rstrip("/"), connector=connector, session=http)
    connector.fail_with = 503
    response = await teams.post(teams.base_activity("message", text="/help"))
    assert response.status == 201
