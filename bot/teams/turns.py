"""The route chain: one authenticated activity in, one HTTP answer out, replies through the connector.

Every activity passes the same layers, in this order, each written once:
1. the tenant fence (ALLOWED_TENANTS): nothing is done for another tenant but a polite refusal;
2. "this needs a sign-in": a `SignInRequired` from any route becomes the sign-in answer its kind of activity needs;
3. turn errors: logged once with their context (activity id, verb, Graph status and request id), answered with a
   plain-language card, and the answer's own send guarded (a connector failure is logged, never a 500).
Then one route per kind of activity: a text command, an Action.Submit, an Action.Execute, a type-ahead search,
Teams' sign-in invokes, the bot joining a conversation."""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from bot.auth.signin import PendingAction, SignInState
from bot.auth.sso import needs_consent
from bot.auth.tokens import SignInRequired, TokenProvider
from bot.commands import SIGNOUT
from bot.graph.errors import GraphError
from bot.i18n import t
from bot.outbound import ConversationGone, ConversationRef
from bot.router import Router, UnknownVerb, normalize_word, split_command
from bot.settings import Settings
from bot.teams.activity import (
    conversation_ref_of,
    error_body,
    invoke_body,
    message_of,
    search_body,
    search_value,
    text_field,
    turn_of,
)
from bot.teams.outbound import Connector, ConnectorError
from bot.teams.signin import Answer, Inbound, SignIn, pending_action, pending_text
from bot.turn import Mention, Reply, Turn
from cards.common import help_card, notice_card

if TYPE_CHECKING:
    from botframework.connector.auth import ClaimsIdentity

    from bot.teams.sdk import UserTokens

log = logging.getLogger("managerdesk.edge")

SIGNOUT_WORDS = frozenset(normalize_word(word) for word in SIGNOUT.words)
TEAM_CACHE_SIZE = 2048
ACCEPTED: Answer = (201, None)
Route = Callable[[Inbound], Awaitable[Answer]]


class ManagerDeskBot:
    def __init__(
        self,
        router: Router,
        settings: Settings,
        connector: Connector,
        user_tokens: Callable[[], UserTokens],
        *,
        token_provider: TokenProvider | None = None,
        signin: SignInState | None = None,
    ) -> None:
        self._router = router
        self._settings = settings
        self._connector = connector
        self._team_group_ids: OrderedDict[str, str] = OrderedDict()
        self.signin = SignIn(
            signin,
            token_provider,
            user_tokens,
            settings.oauth_connection_name,
            send=self._send,
            notify=self._notify,
            resume=self._resume,
            reference_of=conversation_ref_of,
        )
        self._routes: dict[tuple[str, str], Route] = {
            ("message", ""): self._message,
            ("conversationUpdate", ""): self._conversation_update,
            ("invoke", "adaptiveCard/action"): self._card_action,
            ("invoke", "application/search"): self._search,
            ("invoke", "signin/tokenExchange"): self.signin.token_exchange,
            ("invoke", "signin/verifyState"): self.signin.verify_state,
            ("invoke", "signin/failure"): self.signin.failure,
        }

    async def idle(self) -> None:
        await self.signin.idle()

    async def on_activity(self, activity: dict[str, Any], identity: ClaimsIdentity | None) -> Answer:
        kind = str(activity.get("type") or "")
        name = str(activity.get("name") or "") if kind == "invoke" else ""
        route = self._routes.get((kind, name))
        if route is None:
            # An invoke this bot does not handle is the sender's error: no 5xx for what a client sends (issue 11).
            return (400, None) if kind == "invoke" else ACCEPTED
        inbound = Inbound(activity, identity, turn_of(activity, self._team_resolver(activity)))
        with self.signin.token_service_lookup(inbound):
            try:
                if self._refused(inbound.turn):
                    return await self._refuse(inbound)
                return await route(inbound)
            except SignInRequired as needed:
                return await self._needs_sign_in(inbound, needed)
            except Exception as error:  # the one place a turn's failure is caught, logged and answered
                return await self._failed(inbound, error)

    # --- layer 1: the tenant fence ---
    def _refused(self, turn: Turn) -> bool:
        allowed = self._settings.allowed_tenants
        return bool(allowed) and turn.user.tenant_id.lower() not in allowed

    async def _refuse(self, inbound: Inbound) -> Answer:
        turn = inbound.turn
        log.warning("refused tenant=%s type=%s", turn.user.tenant_id, inbound.activity.get("type"))
        refusal = Reply.in_place(
            notice_card(turn.lang, t(turn.lang, "app.name"), [t(turn.lang, "notice.tenant_refused")])
        )
        kind, name = inbound.activity.get("type"), inbound.activity.get("name")
        if kind == "message":
            await self._send(inbound, message_of(refusal))
            return ACCEPTED
        if name == "adaptiveCard/action":
            return 200, invoke_body(refusal)
        if name == "application/search":
            return 200, search_body([])
        return (200, None) if kind == "invoke" else ACCEPTED

    # --- layer 2: sign-in needed ---
    async def _needs_sign_in(self, inbound: Inbound, needed: SignInRequired) -> Answer:
        turn, name = inbound.turn, inbound.activity.get("name")
        reference = conversation_ref_of(inbound.activity)
        if inbound.activity.get("type") == "message":
            pending = pending_action(turn, needed, reference) if turn.verb else pending_text(turn, needed, reference)
            await self.signin.ask(inbound, needed, pending)
            return ACCEPTED
        if name == "adaptiveCard/action":
            # After a failed single sign-on, ask again without it: Teams then shows the sign-in button.
            offer_sso = not inbound.signed_in_now
            return 200, await self.signin.login_request(inbound, needed, offer_sso=offer_sso)
        log.info("%s needs a sign-in", name or inbound.activity.get("type"))
        return (200, search_body([])) if name == "application/search" else ACCEPTED

    # --- layer 3: turn errors ---
    async def _failed(self, inbound: Inbound, error: Exception) -> Answer:
        turn, activity = inbound.turn, inbound.activity
        # The Connector refusing or failing a reply is not a defect of ours: no traceback, and no 500 for it.
        connector_failed = isinstance(error, ConnectorError | ConversationGone)
        graph = error if isinstance(error, GraphError) else None
        log.log(
            logging.WARNING if connector_failed else logging.ERROR,
            "turn failed error=%s activity_id=%s type=%s name=%s verb=%s status=%s graph_request_id=%s",
            type(error).__name__,
            activity.get("id"),
            activity.get("type"),
            activity.get("name") or "-",
            turn.verb or "-",
            graph.status if graph else getattr(error, "status", "-"),
            graph.request_id if graph else "-",
            exc_info=None if connector_failed else error,
        )
        name = activity.get("name")
        if name == "adaptiveCard/action":  # an error answer keeps the card, and everything typed in it, on screen
            return 200, error_body("InternalError", t(turn.lang, "notice.unexpected"))
        if name == "application/search":
            return 200, search_body([])
        if activity.get("type") == "message":
            await self._notify(inbound, t(turn.lang, "notice.unexpected"))
            return ACCEPTED
        return (200 if connector_failed else 500, None) if activity.get("type") == "invoke" else ACCEPTED

    # --- routes ---
    async def _message(self, inbound: Inbound) -> Answer:
        turn = inbound.turn
        if turn.verb and isinstance(inbound.activity.get("value"), dict):  # Action.Submit
            await self._show(inbound, await self._action(turn))
            return ACCEPTED
        if split_command(turn.text)[0] in SIGNOUT_WORDS:
            await self.signin.sign_out(inbound)
            return ACCEPTED
        for reply in await self._router.handle_text(turn):
            await self._send(inbound, message_of(reply))
        return ACCEPTED

    async def _card_action(self, inbound: Inbound) -> Answer:
        signed_in_now, refusal = await self.signin.accept_action_credentials(inbound)
        if refusal is not None:
            return 200, refusal
        inbound.signed_in_now = signed_in_now
        return 200, invoke_body(await self._action(inbound.turn))

    async def _search(self, inbound: Inbound) -> Answer:
        value = search_value(inbound.activity)
        try:
            results = await self._router.handle_search(inbound.turn, value.get("dataset", ""), dict(value))
        except UnknownVerb:
            results = []
        return 200, search_body(results)

    async def _conversation_update(self, inbound: Inbound) -> Answer:
        bot_id = text_field(inbound.activity, "recipient", "id")
        added = inbound.activity.get("membersAdded")
        if isinstance(added, list) and any(isinstance(m, dict) and m.get("id") == bot_id for m in added):
            await self._router.handle_install(inbound.turn)  # e.g. the alerts keep the conversation's reference
            card = help_card(inbound.turn.lang, sign_out=self._settings.auth_mode != "dev")
            await self._send(inbound, message_of(Reply.new_card(card)))
        return ACCEPTED

    async def _action(self, turn: Turn) -> Reply:
        try:
            return await self._router.handle_action(turn)
        except UnknownVerb:
            log.info("unknown verb=%r", turn.verb)
            return Reply.in_place(notice_card(turn.lang, t(turn.lang, "app.name"), [t(turn.lang, "notice.stale")]))

    # --- answers ---
    async def _show(self, inbound: Inbound, reply: Reply) -> None:
        """An action's answer outside an invoke: an update of the card acted on, or a new message."""
        if reply.replace and inbound.turn.card_activity_id:
            await self._connector.replace(inbound.activity, inbound.turn.card_activity_id, message_of(reply))
        else:
            await self._send(inbound, message_of(reply))

    async def _send(self, inbound: Inbound, activity: dict[str, Any]) -> None:
        await self._connector.reply(inbound.activity, activity)

    async def _notify(self, inbound: Inbound, line: str) -> None:
        """A short notice; a failure to deliver it is logged, not raised (it is often the answer to a failure)."""
        card = notice_card(inbound.turn.lang, t(inbound.turn.lang, "app.name"), [line])
        try:
            await self._send(inbound, message_of(Reply.new_card(card)))
        except Exception as error:  # the error handler's own send must never raise (it answers failures)
            log.error(
                "notice not delivered activity_id=%s status=%s error=%s",
                inbound.activity.get("id"),
                getattr(error, "status", "-"),
                type(error).__name__,
            )

    async def _resume(self, turn: Turn, pending: PendingAction, reference: ConversationRef) -> None:
        """Runs the command or card action that waited for the sign-in; its answers go through `reference`."""
        try:
            if pending.kind == "text":
                mentions = tuple(Mention(name, user_id) for name, user_id in pending.mentions)
                resumed = replace(turn, text=pending.text, mentions=mentions, verb=None, data={})
                for reply in await self._router.handle_text(resumed):
                    await self._connector.send(reference, reply)
                return
            resumed = replace(
                turn, text="", verb=pending.verb, data=pending.data, card_activity_id=pending.card_activity_id
            )
            reply = await self._action(resumed)
            if reply.replace and resumed.card_activity_id:
                await self._connector.update(reference, resumed.card_activity_id, reply)
            else:
                await self._connector.send(reference, reply)
        except SignInRequired as needed:
            log.warning("resumed action still needs a sign-in reason=%s", getattr(needed, "reason", "-"))
            problem = "consent_required" if needs_consent(needed) else "sign_in_required"
            await self._send_quietly(reference, turn, self.signin.problem_text(turn, pending.scopes, problem))
        except Exception as error:  # a background task: nobody else would log it
            graph = error if isinstance(error, GraphError) else None
            log.error(
                "resumed action failed kind=%s error=%s status=%s graph_request_id=%s",
                pending.kind,
                type(error).__name__,
                graph.status if graph else getattr(error, "status", "-"),
                graph.request_id if graph else "-",
                exc_info=error,
            )
            await self._send_quietly(reference, turn, t(turn.lang, "notice.unexpected"))

    async def _send_quietly(self, reference: ConversationRef, turn: Turn, line: str) -> None:
        card = notice_card(turn.lang, t(turn.lang, "app.name"), [line])
        try:
            await self._connector.send(reference, Reply.new_card(card))
        except Exception as error:  # a background task's last word: logged, never raised
            log.error("notice not delivered status=%s error=%s", getattr(error, "status", "-"), type(error).__name__)

    # --- the channel's team, as Graph names it ---
    def _team_resolver(self, activity: dict[str, Any]) -> Callable[[], Awaitable[str | None]]:
        async def resolve_team_group_id() -> str | None:
            team_id = text_field(activity, "channelData", "team", "id")
            if not team_id:
                return None
            known = text_field(activity, "channelData", "team", "aadGroupId") or self._team_group_ids.get(team_id)
            if known:
                return known
            group_id = await self._connector.team_group_id(text_field(activity, "serviceUrl"), team_id)
            if group_id:
                self._team_group_ids[team_id] = group_id
                while len(self._team_group_ids) > TEAM_CACHE_SIZE:
                    self._team_group_ids.popitem(last=False)
            return group_id

        return resolve_team_group_id
