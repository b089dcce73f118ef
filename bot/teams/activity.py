"""Activity <-> Turn/Reply: Teams' JSON read into plain Python, and our answers written back as Teams JSON.

Works on the activity as it arrived (a JSON object), without the SDK's msrest models: reading a few fields is
all a turn needs, and it keeps the SDK off the hot path. Teams' own spelling is kept (`tenantId` is read from
`channelData.tenant.id` first: the SDK schema lost `conversation.tenantId`, see docs/decisions.md)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Literal, TypedDict, cast

from bot.auth.tokens import UserIdentity
from bot.mentions import other_mentions, strip_bot_mention
from bot.outbound import ConversationRef
from bot.turn import ConversationType, Reply, Turn

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
OAUTH_CARD_CONTENT_TYPE = "application/vnd.microsoft.card.oauth"
INVOKE_CARD = "application/vnd.microsoft.card.adaptive"
INVOKE_MESSAGE = "application/vnd.microsoft.activity.message"
INVOKE_ERROR = "application/vnd.microsoft.error"
SEARCH_RESPONSE = "application/vnd.microsoft.search.searchResponse"
LOGIN_REQUEST = "application/vnd.microsoft.activity.loginRequest"
PRECONDITION_FAILED = "application/vnd.microsoft.error.preconditionFailed"

Activity = Mapping[str, Any]  # an activity as Teams posted it


class Unauthorized(Exception):
    """The request's channel token was missing, malformed, expired or not for this bot."""


class InvokeBody(TypedDict):
    """What an `adaptiveCard/action` or `application/search` invoke is answered with (HTTP 200)."""

    statusCode: int
    type: str
    value: Any


class CardActionValue(TypedDict, total=False):
    """`value` of an `adaptiveCard/action` invoke."""

    action: dict[str, Any]
    trigger: str
    authentication: dict[str, Any]  # Teams' SSO token, after our loginRequest
    state: str  # the magic code, after a visible sign-in


class SearchValue(TypedDict, total=False):
    """`value` of an `application/search` invoke (type-ahead)."""

    dataset: str
    queryText: str
    queryOptions: dict[str, Any]
    data: dict[str, Any]  # the card's inputs (associatedInputs: auto)


def field(activity: Mapping[str, Any], *path: str) -> Any:
    """activity[path[0]][path[1]]..., None as soon as a step is not an object."""
    node: Any = activity
    for key in path:
        if not isinstance(node, Mapping):
            return None
        node = node.get(key)
    return node


def text_field(activity: Mapping[str, Any], *path: str) -> str:
    value = field(activity, *path)
    return value if isinstance(value, str) else ""


def value_of(activity: Activity) -> dict[str, Any]:
    value = activity.get("value")
    return value if isinstance(value, dict) else {}


CARD_ACTION_FIELDS: dict[str, type] = {"action": dict, "trigger": str, "authentication": dict, "state": str}
SEARCH_FIELDS: dict[str, type] = {"dataset": str, "queryText": str, "queryOptions": dict, "data": dict}


def card_action_value(activity: Activity) -> CardActionValue:
    """`value` of an `adaptiveCard/action` invoke, only the fields of the expected types."""
    return cast(CardActionValue, fields_of_type(value_of(activity), CARD_ACTION_FIELDS))


def search_value(activity: Activity) -> SearchValue:
    """`value` of an `application/search` invoke, only the fields of the expected types."""
    return cast(SearchValue, fields_of_type(value_of(activity), SEARCH_FIELDS))


def fields_of_type(value: Mapping[str, Any], types: Mapping[str, type]) -> dict[str, Any]:
    return {key: value[key] for key, kind in types.items() if isinstance(value.get(key), kind)}


def tenant_of(activity: Activity) -> str:
    return text_field(activity, "channelData", "tenant", "id") or text_field(activity, "conversation", "tenantId")


def user_of(activity: Activity) -> UserIdentity:
    return UserIdentity(
        aad_object_id=text_field(activity, "from", "aadObjectId"),
        tenant_id=tenant_of(activity),
        name=text_field(activity, "from", "name"),
    )


def conversation_type_of(activity: Activity) -> ConversationType:
    raw = text_field(activity, "conversation", "conversationType")
    if raw == "channel":
        return "channel"
    if raw == "groupChat":
        return "groupChat"
    return "personal"


def action_of(activity: Activity) -> tuple[str | None, dict[str, Any]]:
    """The card action's verb and data: Action.Execute (invoke) or Action.Submit (message with a value)."""
    value = activity.get("value")
    if not isinstance(value, dict):
        return None, {}
    if activity.get("type") == "invoke":
        verb, data = field(value, "action", "verb"), field(value, "action", "data")
        return (str(verb) if verb else None), dict(data) if isinstance(data, dict) else {}
    verb = value.get("verb")  # Action.Submit: our cards put the verb in the data too
    return (str(verb) if verb else None), dict(value)


def mention_entities(activity: Activity) -> list[tuple[str, str, str]]:
    entities = activity.get("entities")
    found = []
    for entity in entities if isinstance(entities, list) else []:
        if not isinstance(entity, dict) or str(entity.get("type") or "").lower() != "mention":
            continue
        found.append(
            (text_field(entity, "mentioned", "id"), text_field(entity, "mentioned", "name"), text_field(entity, "text"))
        )
    return found


def turn_of(activity: Activity, resolve_team_group_id: Callable[[], Awaitable[str | None]]) -> Turn:
    mentions = mention_entities(activity)
    bot_id = text_field(activity, "recipient", "id")
    text = text_field(activity, "text")
    reference = conversation_ref_of(activity)
    verb, data = action_of(activity)
    return Turn(
        user=user_of(activity),
        teams_user_id=text_field(activity, "from", "id"),
        conversation_id=text_field(activity, "conversation", "id"),
        conversation_type=conversation_type_of(activity),
        locale=text_field(activity, "locale") or "en-US",
        timezone=text_field(activity, "localTimezone") or None,
        text=strip_bot_mention(text, [mention_text for uid, _, mention_text in mentions if uid == bot_id]),
        mentions=other_mentions(mentions, bot_id),
        verb=verb,
        data=data,
        card_activity_id=text_field(activity, "replyToId") or None,
        team_thread_id=text_field(activity, "channelData", "team", "id") or None,
        resolve_team_group_id=resolve_team_group_id,
        reference=reference if reference.service_url and reference.conversation_id else None,
        activity_id=text_field(activity, "id") or None,
    )


def conversation_ref_of(activity: Activity) -> ConversationRef:
    """Where to reach this conversation later, from any instance (kept as plain data)."""
    return ConversationRef(
        service_url=text_field(activity, "serviceUrl"),
        conversation_id=text_field(activity, "conversation", "id"),
        bot_id=text_field(activity, "recipient", "id"),
        channel_id=text_field(activity, "channelId") or "msteams",
        tenant_id=tenant_of(activity) or None,
        user_id=text_field(activity, "from", "id") or None,
        user_aad_object_id=text_field(activity, "from", "aadObjectId") or None,
        locale=text_field(activity, "locale") or None,
    )


def message_of(reply: Reply) -> dict[str, Any]:
    """A Reply as a message activity (addressing is added by the connector)."""
    if reply.card is not None:
        return {"type": "message", "attachments": [{"contentType": CARD_CONTENT_TYPE, "content": reply.card}]}
    return {"type": "message", "text": reply.text or ""}


def invoke_body(reply: Reply) -> InvokeBody:
    if reply.card is not None:
        return {"statusCode": 200, "type": INVOKE_CARD, "value": reply.card}
    return {"statusCode": 200, "type": INVOKE_MESSAGE, "value": reply.text or ""}


def error_body(code: Literal["InternalError", "Unauthorized"], message: str) -> InvokeBody:
    """An error answer to Action.Execute: Teams keeps the card, and everything typed in it, on screen."""
    return {"statusCode": 500, "type": INVOKE_ERROR, "value": {"code": code, "message": message}}


def search_body(results: list[tuple[str, str]]) -> InvokeBody:
    value = {"results": [{"title": title, "value": val} for title, val in results]}
    return {"statusCode": 200, "type": SEARCH_RESPONSE, "value": value}


def login_request_body(
    text: str, connection_name: str, button: str, sign_in_link: str, exchange: dict[str, str] | None
) -> InvokeBody:
    """Action.Execute's answer when a sign-in is needed (statusCode 401). With `tokenExchangeResource` Teams
    tries single sign-on first and re-sends the action with `value.authentication`; without it, or when
    single sign-on fails, it shows the sign-in button, and re-sends the action with `value.state`."""
    value: dict[str, Any] = {
        "text": text,
        "connectionName": connection_name,
        "buttons": [{"type": "signin", "title": button, "text": button, "value": sign_in_link}],
    }
    if exchange:
        value["tokenExchangeResource"] = exchange
    return {"statusCode": 401, "type": LOGIN_REQUEST, "value": value}


def precondition_failed_body(message: str) -> InvokeBody:
    return {"statusCode": 412, "type": PRECONDITION_FAILED, "value": {"code": "412", "message": message}}


def oauth_card_message(
    text: str, connection_name: str, button: str, sign_in_link: str, exchange: dict[str, str] | None
) -> dict[str, Any]:
    """The OAuth card: single sign-on through `tokenExchangeResource`, else a sign-in button."""
    content: dict[str, Any] = {
        "text": text,
        "connectionName": connection_name,
        "buttons": [{"type": "signin", "title": button, "value": sign_in_link}],
    }
    if exchange:
        content["tokenExchangeResource"] = exchange
    return {"type": "message", "attachments": [{"contentType": OAUTH_CARD_CONTENT_TYPE, "content": content}]}


def exchange_answer(exchange_id: str, connection_name: str, failure_detail: str | None = None) -> dict[str, Any]:
    """The body of a `signin/tokenExchange` answer (TokenExchangeInvokeResponse)."""
    body = {"id": exchange_id, "connectionName": connection_name}
    if failure_detail is not None:
        body["failureDetail"] = failure_detail
    return body
