"""Sign-in at the edge (AUTH_MODE=sso, docs/sso-setup.md).

A handler that needs a Graph token the user has not given yet raises `SignInRequired`. For a text command (or an
Action.Submit) the command is kept as pending, with a reference to its conversation, and an OAuth card with the
connection's `tokenExchangeResource` is sent; Teams answers with `signin/tokenExchange` (single sign-on) or, after a
visible sign-in, `signin/verifyState` (magic code). The token is exchanged at the Bot Framework token service, kept
as the user's on-behalf-of assertion, checked with an on-behalf-of call (412 when that fails, so Teams shows the
consent or sign-in card), and the pending command then runs again in the background, answering through the stored
conversation reference (continue_conversation-style), not through the finished request.
For Action.Execute the invoke is answered with a `loginRequest` (statusCode 401) and Teams re-sends the action with
`value.authentication`."""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.auth.signin import PendingAction, SignInState, has_identity, safe_code
from bot.auth.sso import TokenError, needs_consent
from bot.auth.tokens import SignInRequired, TokenProvider, UserIdentity
from bot.i18n import t
from bot.outbound import ConversationRef
from bot.teams.activity import (
    InvokeBody,
    card_action_value,
    error_body,
    exchange_answer,
    login_request_body,
    oauth_card_message,
    precondition_failed_body,
    text_field,
    value_of,
)
from bot.turn import Turn

if TYPE_CHECKING:
    from botframework.connector.auth import ClaimsIdentity

    from bot.teams.sdk import UserTokens

log = logging.getLogger("managerdesk.edge")

# The current turn's way to ask the token service for the user's token, read by the SSO token source when no
# stored SSO token is left: a user signed in at the token service needs no new card.
TokenServiceLookup = Callable[[UserIdentity], Awaitable[str | None]]
_TOKEN_SERVICE_LOOKUP: contextvars.ContextVar[TokenServiceLookup | None] = contextvars.ContextVar(
    "managerdesk_token_service_lookup", default=None
)

Answer = tuple[int, Any]  # HTTP status and JSON body of an invoke's answer


@dataclass
class Inbound:
    """One authenticated activity: the JSON as Teams sent it, who sent it (per the SDK), and our Turn."""

    activity: dict[str, Any]
    identity: ClaimsIdentity | None
    turn: Turn
    signed_in_now: bool = False  # an Action.Execute re-sent with a sign-in (then no second single sign-on offer)


Notify = Callable[[Inbound, str], Awaitable[None]]
SendActivity = Callable[[Inbound, dict[str, Any]], Awaitable[None]]
Resume = Callable[[Turn, PendingAction, ConversationRef], Awaitable[None]]


def token_service_failed(purpose: str, error: Exception) -> None:
    """A token service call failed: what, how, and the HTTP status when there was an answer (never the body)."""
    status = getattr(getattr(error, "response", None), "status_code", None)
    log.warning("%s failed error=%s status=%s", purpose, type(error).__name__, status or "-")


def sso_token_source(signin: SignInState) -> Callable[[UserIdentity], Awaitable[str | None]]:
    """The on-behalf-of assertion: the stored SSO token, else the token service's token for the user (when
    the current turn can ask for it), else None (the provider then raises SsoSignInRequired)."""

    async def source(user: UserIdentity) -> str | None:
        token = await signin.tokens.get(user)
        if token:
            return token
        lookup = _TOKEN_SERVICE_LOOKUP.get()
        token = await lookup(user) if lookup is not None else None
        return token if token and await signin.tokens.save(user, token) else None

    return source


def pending_text(turn: Turn, needed: SignInRequired, reference: ConversationRef) -> PendingAction:
    return PendingAction(
        kind="text",
        conversation_id=turn.conversation_id,
        scopes=needed.scopes,
        text=turn.text,
        mentions=[(mention.name, mention.teams_user_id) for mention in turn.mentions],
        reference=reference.to_json(),
    )


def pending_action(turn: Turn, needed: SignInRequired, reference: ConversationRef) -> PendingAction:
    return PendingAction(
        kind="action",
        conversation_id=turn.conversation_id,
        scopes=needed.scopes,
        verb=turn.verb,
        data=turn.data,
        card_activity_id=turn.card_activity_id,
        reference=reference.to_json(),
    )


class SignIn:
    def __init__(
        self,
        state: SignInState | None,
        tokens: TokenProvider | None,
        user_tokens: Callable[[], UserTokens],
        connection: str,
        *,
        send: SendActivity,
        notify: Notify,
        resume: Resume,
        reference_of: Callable[[dict[str, Any]], ConversationRef],
    ) -> None:
        self.state = state
        self._tokens = tokens
        self._user_tokens = user_tokens
        self._connection = connection
        self._send = send
        self._notify = notify
        self._resume = resume
        self._reference_of = reference_of
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def enabled(self) -> bool:
        return self.state is not None

    async def idle(self) -> None:
        """Waits for the work started after an answer (commands resumed after a sign-in)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    @contextmanager
    def token_service_lookup(self, inbound: Inbound) -> Iterator[None]:
        """While a turn runs (sso mode), the SSO token source may ask the token service for the user's token."""
        if not self.enabled:
            yield
            return
        reset = _TOKEN_SERVICE_LOOKUP.set(self._lookup(inbound))
        try:
            yield
        finally:
            _TOKEN_SERVICE_LOOKUP.reset(reset)

    # --- asking ---
    async def ask(self, inbound: Inbound, needed: SignInRequired, pending: PendingAction) -> None:
        """Keeps what the user asked for and sends the OAuth card (single sign-on, else a sign-in button)."""
        turn = inbound.turn
        log.info("sign-in needed reason=%s", getattr(needed, "reason", "-"))
        if self.state is None or not has_identity(turn.user):
            await self._notify(inbound, t(turn.lang, "signin.no_identity" if self.enabled else "signin.unavailable"))
            return
        await self.state.pending.put(turn.user, pending)
        resource = await self._sign_in_resource(inbound)
        if resource is None:
            await self._notify(inbound, t(turn.lang, "signin.unavailable"))
            return
        link, exchange = resource
        text, button = t(turn.lang, "signin.card_text"), t(turn.lang, "signin.button")
        await self._send(inbound, oauth_card_message(text, self._connection, button, link, exchange))

    async def login_request(self, inbound: Inbound, needed: SignInRequired, *, offer_sso: bool) -> InvokeBody:
        turn = inbound.turn
        log.info("sign-in needed for verb=%s reason=%s", turn.verb, getattr(needed, "reason", "-"))
        resource = await self._sign_in_resource(inbound) if self.enabled and has_identity(turn.user) else None
        if resource is None:
            return error_body("Unauthorized", t(turn.lang, "signin.unavailable"))
        link, exchange = resource
        text, button = t(turn.lang, "signin.card_text"), t(turn.lang, "signin.button")
        return login_request_body(text, self._connection, button, link, exchange if offer_sso else None)

    async def accept_action_credentials(self, inbound: Inbound) -> tuple[bool, InvokeBody | None]:
        """An Action.Execute re-sent after our loginRequest carries an SSO token or a magic code: redeem it.
        Returns (a sign-in happened now, the refusal to answer with if it failed)."""
        value = card_action_value(inbound.activity)
        authentication, magic_code = value.get("authentication"), value.get("state")
        if self.state is None:
            return False, None
        if authentication is not None:
            async with self._lock(inbound.turn):
                accepted = await self._exchange(inbound, str(authentication.get("token") or ""))
            return True, None if accepted else precondition_failed_body("authentication token not accepted")
        if magic_code:
            async with self._lock(inbound.turn):
                accepted = await self._redeem_magic_code(inbound, magic_code)
            return True, None if accepted else precondition_failed_body("sign-in code not accepted")
        return False, None

    # --- Teams' sign-in invokes ---
    async def token_exchange(self, inbound: Inbound) -> Answer:
        """signin/tokenExchange: 200 once the token is exchanged and on-behalf-of works, else 412 (Teams then
        shows the consent or sign-in card). The same exchange id from another client is answered 200 once
        more, and nothing else happens."""
        turn = inbound.turn
        value = value_of(inbound.activity)
        exchange_id = str(value.get("id") or "")
        if self.state is None or not has_identity(turn.user):
            return self._exchange_failed(exchange_id, "Sign-in is not available for this user.")
        async with self._lock(turn):
            if await self.state.exchanges.seen(turn.user, exchange_id):
                log.info("token exchange already handled")
                return 200, exchange_answer(exchange_id, self._connection)
            if not await self._exchange(inbound, str(value.get("token") or "")):
                return self._exchange_failed(exchange_id, "The bot could not exchange the token; sign in instead.")
            pending = await self.state.pending.peek(turn.user)
            problem = await self._on_behalf_of_problem(turn.user, pending.scopes) if pending else None
            if problem is not None:
                return self._exchange_failed(exchange_id, problem)
            await self.state.exchanges.record(turn.user, exchange_id)
        if pending is not None:
            self._spawn(self._resume_pending(inbound))
        return 200, exchange_answer(exchange_id, self._connection)

    async def verify_state(self, inbound: Inbound) -> Answer:
        """signin/verifyState: the user signed in with the card's button; `value.state` is the magic code."""
        turn = inbound.turn
        if self.state is None or not has_identity(turn.user):
            return 200, None
        async with self._lock(turn):
            accepted = await self._redeem_magic_code(inbound, str(value_of(inbound.activity).get("state") or ""))
            pending = await self.state.pending.peek(turn.user) if accepted else None
            problem = await self._on_behalf_of_problem(turn.user, pending.scopes) if pending else None
        if not accepted:
            await self._notify(inbound, t(turn.lang, "signin.code_failed"))
        elif problem is not None and pending is not None:
            await self._notify(inbound, self.problem_text(turn, pending.scopes, problem))
        elif pending is not None:
            self._spawn(self._resume_pending(inbound))
        else:
            await self._notify(inbound, t(turn.lang, "signin.done"))
        return 200, None

    async def failure(self, inbound: Inbound) -> Answer:
        """signin/failure: Teams could not get the single sign-on token (e.g. `resourcematchfailed` when the
        manifest's webApplicationInfo and the OAuth connection disagree). Log the code, tell the user."""
        code = safe_code(value_of(inbound.activity).get("code"))
        log.warning("sign-in failure reported by Teams code=%s", code)
        await self._notify(inbound, t(inbound.turn.lang, "signin.failed", code=code))
        return 200, None

    async def sign_out(self, inbound: Inbound) -> None:
        turn = inbound.turn
        if self.state is None:
            await self._notify(inbound, t(turn.lang, "signout.dev"))
            return
        if not has_identity(turn.user):
            await self._notify(inbound, t(turn.lang, "signin.no_identity"))
            return
        sign_out = getattr(self._tokens, "sign_out", None)
        if callable(sign_out):
            await sign_out(turn.user)
        await self.state.forget(turn.user)
        client = await self._user_tokens().client(inbound.identity)
        try:
            if client is None:
                raise LookupError("no user token client")
            await client.sign_out_user(turn.teams_user_id, self._connection, self._channel(inbound))
        except Exception as error:  # the token service is best effort here: our own state is already gone
            token_service_failed("token service sign-out", error)
        log.info("signed out")
        await self._notify(inbound, t(turn.lang, "signout.done"))

    def problem_text(self, turn: Turn, scopes: tuple[str, ...], problem: str) -> str:
        if problem == "consent_required":
            return t(turn.lang, "signin.consent_missing", scopes=", ".join(scopes))
        return t(turn.lang, "signin.code_failed")

    # --- the token service ---
    async def _exchange(self, inbound: Inbound, token: str) -> bool:
        """Hands Teams' single sign-on token to the token service, then keeps it as the user's assertion."""
        state, user = self.state, inbound.turn.user
        if state is None or not token or not has_identity(user) or not state.tokens.acceptable(user, token):
            return False
        client = await self._user_tokens().client(inbound.identity)
        try:
            if client is None:
                raise LookupError("no user token client")
            from botframework.connector.token_api.models import TokenExchangeRequest

            result = await client.exchange_token(
                inbound.turn.teams_user_id, self._connection, self._channel(inbound), TokenExchangeRequest(token=token)
            )
        except Exception as error:  # msrest raises many types; any of them means "not exchanged"
            token_service_failed("token exchange", error)
            return False
        if not isinstance(getattr(result, "token", None), str) or not result.token:
            log.info("token exchange refused by the token service")
            return False
        return await state.tokens.save(user, token)

    async def _redeem_magic_code(self, inbound: Inbound, code: str) -> bool:
        state, user = self.state, inbound.turn.user
        if state is None or not code or not has_identity(user):
            return False
        token = await self._user_token(inbound, code, "magic code redemption")
        return token is not None and await state.tokens.save(user, token)

    async def _user_token(self, inbound: Inbound, code: str | None, purpose: str) -> str | None:
        """The token service's token for the sender (redeeming `code` if given), or None."""
        client = await self._user_tokens().client(inbound.identity)
        if client is None:
            return None
        try:
            result = await client.get_user_token(
                inbound.turn.teams_user_id, self._connection, self._channel(inbound), code
            )
        except Exception as error:  # msrest raises many types; any of them means "no token"
            token_service_failed(purpose, error)
            return None
        token = getattr(result, "token", None)
        return token if isinstance(token, str) and token else None

    async def _sign_in_resource(self, inbound: Inbound) -> tuple[str, dict[str, str] | None] | None:
        """The sign-in link and the token exchange resource of the OAuth connection, from the token service."""
        client = await self._user_tokens().client(inbound.identity)
        try:
            if client is None:
                raise LookupError("no user token client")
            from bot.teams.sdk import sdk_activity

            resource = await client.get_sign_in_resource(self._connection, sdk_activity(inbound.activity), None)
        except Exception as error:  # msrest raises many types; any of them means "no sign-in card"
            token_service_failed("sign-in resource", error)
            return None
        if resource is None or not resource.sign_in_link:
            log.warning("sign-in resource unavailable reason=no sign-in link")
            return None
        exchange = resource.token_exchange_resource
        described = None
        if exchange is not None and exchange.id:
            described = {"id": exchange.id, "uri": exchange.uri, "providerId": exchange.provider_id}
            described = {k: v for k, v in described.items() if v}
        return resource.sign_in_link, described

    def _lookup(self, inbound: Inbound) -> TokenServiceLookup:
        async def lookup(user: UserIdentity) -> str | None:
            sender_oid = text_field(inbound.activity, "from", "aadObjectId")
            if not sender_oid or sender_oid.lower() != user.aad_object_id.lower():
                return None
            return await self._user_token(inbound, None, "token service lookup")

        return lookup

    async def _on_behalf_of_problem(self, user: UserIdentity, scopes: tuple[str, ...]) -> str | None:
        """None when a Graph token for these scopes can be had now; else what stands in the way."""
        if self._tokens is None or not scopes:
            return None
        try:
            await self._tokens.get_token(user, scopes)
        except SignInRequired as needed:
            return "consent_required" if needs_consent(needed) else "sign_in_required"
        except TokenError as error:
            return error.code
        return None

    # --- resuming ---
    async def _resume_pending(self, inbound: Inbound) -> None:
        """Runs the command that waited for the sign-in, answering through its stored conversation reference."""
        assert self.state is not None
        turn = inbound.turn
        pending = await self.state.pending.take(turn.user, turn.conversation_id)
        if pending is None:
            return
        reference = ConversationRef.from_json(pending.reference) if pending.reference else None
        with self.token_service_lookup(inbound):
            await self._resume(turn, pending, reference or self._reference_of(inbound.activity))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _lock(self, turn: Turn) -> asyncio.Lock:
        return self.state.lock(turn.user) if self.state and has_identity(turn.user) else asyncio.Lock()

    def _exchange_failed(self, exchange_id: str, detail: str) -> Answer:
        log.info("token exchange answered 412 detail=%s", detail)
        return 412, exchange_answer(exchange_id, self._connection, detail)

    @staticmethod
    def _channel(inbound: Inbound) -> str:
        return text_field(inbound.activity, "channelId") or "msteams"
