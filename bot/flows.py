"""The life of a form card, shared by every feature: open, edit (add/remove rows), submit, confirm.

A feature subclasses `FormFlow` and supplies the card renderers, the validation, the Graph call (`create`) and
how to look for what that call makes (`find_existing`). The flow guarantees:
- every action re-renders from the stored form merged with what the card posted, so nothing typed is lost;
- exactly once (docs/decisions.md, "Exactly once"): a submission first claims the form with a conditional
  write in the shared store, so one press on one instance wins and every other press, on any instance, is
  told "still creating" and sends nothing; a create whose outcome is unknown (timeout, reset, 5xx after the
  request went out) is never sent again blindly: the next press looks in Graph first and adopts what it finds;
- Teams gets its answer within 5 s: the create runs as a background task that outlives the invoke, and the
  card is updated in place through `Outbound` when Graph answers;
- a form that is done answers every later press with its confirmation, and a cancelled one stays cancelled."""

from __future__ import annotations

import asyncio
import functools
import logging
import uuid
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any, ClassVar

from bot import i18n
from bot.forms import FORM_ID, Attempt, FormRecord
from bot.graph.client import deadline, track_writes
from bot.graph.errors import GraphError, GraphThrottled, GraphUnauthorized, GraphUnavailable
from bot.i18n import Lang, t
from bot.router import Router
from bot.services import Services
from bot.turn import Reply, Turn
from cards.common import notice_card
from cards.forms import FormView as FormView  # the view model lives with the cards; features import it here

log = logging.getLogger("managerdesk.flows")

# Teams wants an answer to a card action within 5 s; all Graph calls of one action share this budget.
ACTION_BUDGET_SECONDS = 4.0
CLAIM_GRACE_SECONDS = 15.0  # beyond the background wait, before another press may take a create over
UNKNOWN_SINCE = "_unknownSince"  # in record.context: when the last write whose outcome is unknown was given up on
SAVE_ATTEMPTS = 5  # conditional writes lost in a row before giving up (each one means someone else progressed)

i18n.register(
    en={
        "form.fix_errors": "Please fix the highlighted fields.",
        "form.cancelled": "Cancelled. Nothing was created.",
        "form.cancelled_edit": "Cancelled. Nothing was changed.",
        "form.cancelled_unknown": "Cancelled. Microsoft 365 never confirmed the earlier attempt: check whether "
        "it was created.",
        "form.retry_later": "Microsoft 365 is busy right now. Nothing was created. Please try again in a minute.",
        "form.retry_after": "Microsoft 365 is busy right now. Nothing was created. Please try again in {wait}.",
        "form.unavailable": "Microsoft 365 is not answering right now. Nothing was created. Please try again in "
        "a minute.",
        "form.unknown_outcome": "Microsoft 365 did not answer in time, so it may or may not have been created. "
        "Press the button again: I will check first, and will not create it twice.",
        "form.server_error": "Microsoft 365 had a problem on its side (error {status}), so it may or may not have "
        "been created. Press the button again: I will check first, and will not create it twice.",
        "form.creating": "Creating… This card will update when Microsoft 365 answers.",
        "form.still_creating": "Still creating: Microsoft 365 has not answered yet. Nothing more was sent.",
        "form.signin_expired": "Your sign-in has expired. Sign in again, then press the button once more.",
        "form.graph_rejected": "Microsoft 365 refused this. Nothing was created.",
        "form.graph_failed": "Microsoft 365 could not do this ({code}). Nothing was created. Please try again.",
        "form.not_yours": "This form belongs to the person who opened it. Type a command to open your own.",
        "form.other_conversation": "This form can only be used in the chat where it was opened.",
    },
    fr={
        "form.fix_errors": "Veuillez corriger les champs signalés.",
        "form.cancelled": "Annulé. Rien n'a été créé.",
        "form.cancelled_edit": "Annulé. Rien n'a été modifié.",
        "form.cancelled_unknown": "Annulé. Microsoft 365 n'a jamais confirmé la tentative précédente : vérifiez "
        "si la création a eu lieu.",
        "form.retry_later": "Microsoft 365 est occupé. Rien n'a été créé. Veuillez réessayer dans une minute.",
        "form.retry_after": "Microsoft 365 est occupé. Rien n'a été créé. Veuillez réessayer dans {wait}.",
        "form.unavailable": "Microsoft 365 ne répond pas pour le moment. Rien n'a été créé. Veuillez réessayer "
        "dans une minute.",
        "form.unknown_outcome": "Microsoft 365 n'a pas répondu à temps : la création a peut-être eu lieu. "
        "Appuyez de nouveau sur le bouton : je vérifierai d'abord, sans rien créer deux fois.",
        "form.server_error": "Microsoft 365 a rencontré un problème de son côté (erreur {status}) : la création a "
        "peut-être eu lieu. Appuyez de nouveau sur le bouton : je vérifierai d'abord, sans rien créer deux fois.",
        "form.creating": "Création en cours… Cette carte se mettra à jour quand Microsoft 365 répondra.",
        "form.still_creating": "Création toujours en cours : Microsoft 365 n'a pas encore répondu. Rien d'autre "
        "n'a été envoyé.",
        "form.signin_expired": "Votre connexion a expiré. Reconnectez-vous, puis appuyez de nouveau sur le bouton.",
        "form.graph_rejected": "Microsoft 365 a refusé. Rien n'a été créé.",
        "form.graph_failed": "Microsoft 365 n'a pas pu le faire ({code}). Rien n'a été créé. Veuillez réessayer.",
        "form.not_yours": "Ce formulaire appartient à la personne qui l'a ouvert. Tapez une commande pour ouvrir "
        "le vôtre.",
        "form.other_conversation": "Ce formulaire ne s'utilise que dans la conversation où il a été ouvert.",
    },
)


def view_from_json(data: Any) -> FormView:
    """A FormView as kept in a form's record (the answer to a press, for Teams re-sending it)."""
    known = FormView.__dataclass_fields__
    return FormView(**{k: v for k, v in data.items() if k in known}) if isinstance(data, dict) else FormView()


class FormFlow(ABC):
    kind: str  # e.g. "customer"; verbs are "<kind>.submit", "<kind>.add", "<kind>.remove", "<kind>.cancel"
    row_limits: ClassVar[Mapping[str, int]] = {}  # repeating row groups and how many rows each may have
    # Background creates of this process; each one leaves the set when it ends (no per-form state kept).
    _running: ClassVar[set[asyncio.Task[None]]] = set()

    def __init__(self, services: Services) -> None:
        self.services = services
        self.forms = services.forms

    # --- what a feature supplies -------------------------------------------------------------------------
    @abstractmethod
    def render_form(self, record: FormRecord, lang: Lang, view: FormView) -> dict[str, Any]: ...

    @abstractmethod
    def render_done(self, record: FormRecord, lang: Lang) -> dict[str, Any]: ...

    @abstractmethod
    def validate(self, record: FormRecord, lang: Lang) -> tuple[Any, dict[str, str]]:
        """(payload, {}) when valid; (None, {input id: message}) otherwise."""

    @abstractmethod
    async def create(self, turn: Turn, record: FormRecord, payload: Any) -> dict[str, Any] | FormView:
        """Calls Graph. Returns the result to keep (rendered by render_done), or a FormView to show the form
        again (e.g. a duplicate to confirm)."""

    async def find_existing(self, turn: Turn, record: FormRecord, payload: Any) -> dict[str, Any] | None:
        """After a create whose outcome is unknown: what that create made, found in Graph, as the result to
        keep (the shape `create` returns), or None when nothing is there and it is safe to send again.
        Every feature that creates should override this; the default finds nothing."""
        log.warning("%s has no find_existing: an unknown outcome is sent again", self.kind)
        return None

    def explain_unknown(self, error: GraphError, lang: Lang) -> FormView | None:
        """A write failed after it was sent (5xx, timeout): None (the default) records the outcome as unknown, so
        the next press looks first. A feature whose `create` already looked in Graph after the failure and found
        nothing may return the view to show instead, and the form is open again."""
        return None

    def explain(self, error: GraphError, lang: Lang) -> FormView:
        """Graph failures common to every feature; features override for their own codes and call super()."""
        if isinstance(error, GraphThrottled):
            if error.retry_after:
                wait = i18n.wait_of(lang, error.retry_after)
                return FormView(banner=t(lang, "form.retry_after", wait=wait))
            return FormView(banner=t(lang, "form.retry_later"))
        if isinstance(error, GraphUnavailable):
            return FormView(banner=t(lang, "form.unavailable"))  # nothing was sent (see _finish)
        if isinstance(error, GraphUnauthorized):
            return FormView(banner=t(lang, "form.signin_expired"))
        if error.status == 400 and error.message:
            return FormView(banner=t(lang, "form.graph_rejected"), graph_message=error.message)
        return FormView(banner=t(lang, "form.graph_failed", code=error.code or error.status))

    # --- the verbs -----------------------------------------------------------------------------------------
    async def open(self, turn: Turn, values: dict[str, Any], view: FormView | None = None, **context: Any) -> Reply:
        record = await self.forms.create(self.kind, turn.user.aad_object_id, values, **context)
        record.conversation = turn.conversation_id
        with deadline(ACTION_BUDGET_SECONDS):
            await self.prepare(turn, record)
        await self.forms.save(record)  # just created: nobody else knows its id yet
        return Reply.new_card(self.render_form(record, turn.lang, view or FormView()))

    async def prepare(self, turn: Turn, record: FormRecord) -> None:  # noqa: B027 (an optional hook)
        """Hook: fill choices and defaults (businesses, teams, members) into record.context."""

    async def load_for_edit(self, turn: Turn) -> FormRecord | Reply:
        """The open form with what the card posted merged in; or, when the form is gone, finished, cancelled
        or being created, the reply to give instead."""
        record = await self.load_unsettled(turn)
        if isinstance(record, Reply):
            return record
        if record.status != "open":  # unknown: what was sent stays as sent until the next submit checks
            return Reply.in_place(self.render_form(record, turn.lang, self._answer_view(record, turn.lang)))
        record.merge_inputs(turn.data)
        return record

    async def edit(self, turn: Turn, change: str) -> Reply:
        for _ in range(SAVE_ATTEMPTS):
            record = await self.load_for_edit(turn)
            if isinstance(record, Reply):
                return record
            group = str(turn.data.get("group") or "")
            # An add past the limit (a stale card's button) or to an unknown group only re-renders.
            if change == "add" and len(record.rows.get(group, [])) < self.row_limits.get(group, 0):
                record.add_row(group)
            elif change == "remove" and group:
                record.remove_row(group, str(turn.data.get("row") or ""))
            if await self.forms.save(record):
                return Reply.in_place(self.render_form(record, turn.lang, FormView()))
        return self.busy(turn)

    async def cancel(self, turn: Turn) -> Reply:
        for _ in range(SAVE_ATTEMPTS):
            record = await self.load_unsettled(turn)
            if isinstance(record, Reply):
                return record
            unknown = record.status != "open"  # unknown, or a create whose instance went silent
            editing = self.edits_existing(record)
            record.status = "cancelled"
            self._forget_inputs(record)
            record.result = {"edit": True} if editing else None  # what later presses on it are told
            if await self.forms.save(record):
                return self.cancelled(turn, unknown, editing)
        return self.busy(turn)

    async def submit(self, turn: Turn, *, confirmed: bool = False) -> Reply:
        for _ in range(SAVE_ATTEMPTS):  # each lost conditional write: re-read and decide again
            record = await self.load_unsettled(turn)
            if isinstance(record, Reply):
                return record
            answer = record.answer or {}
            if turn.activity_id and answer.get("activity_id") == turn.activity_id:
                return Reply.in_place(self.render_form(record, turn.lang, view_from_json(answer.get("view"))))
            look_first = record.status != "open"  # unknown, or a create taken over from a silent instance
            if not look_first:
                record.merge_inputs(turn.data)
            payload, errors = self.validate(record, turn.lang)
            if errors:
                record.answer = None
                if await self.forms.save(record):
                    view = FormView(errors, t(turn.lang, "form.fix_errors"))
                    return Reply.in_place(self.render_form(record, turn.lang, view))
                continue
            record.context["confirmed"] = confirmed
            record.status = "creating"
            record.attempt = Attempt(
                attempt_id=uuid.uuid4().hex,
                until=self.forms.clock() + self.services.settings.create_wait_seconds + CLAIM_GRACE_SECONDS,
                activity_id=turn.activity_id,
                look_first=look_first,
            )
            if await self.forms.save(record):  # the claim: this press, on this instance, runs the create
                return await self._run_claimed(turn, record, payload)
        return self.busy(turn)

    # --- a claimed submission ------------------------------------------------------------------------------
    async def _run_claimed(self, turn: Turn, record: FormRecord, payload: Any) -> Reply:
        """Starts the create in the background and answers within Teams' budget: the outcome if Graph was
        quick, else a "creating…" card that the background task updates when Graph answers."""
        handoff: asyncio.Future[Reply] = asyncio.get_running_loop().create_future()
        task = asyncio.create_task(self._background(turn, record, payload, handoff))
        FormFlow._running.add(task)
        task.add_done_callback(FormFlow._running.discard)
        try:
            return await asyncio.wait_for(asyncio.shield(handoff), ACTION_BUDGET_SECONDS)
        except TimeoutError:
            if handoff.done():
                return handoff.result()
            handoff.cancel()  # from now on, the background task updates the card itself
            view = FormView(banner=t(turn.lang, "form.creating"), banner_color="Accent")
            return Reply.in_place(self.render_form(record, turn.lang, view))

    async def _background(self, turn: Turn, record: FormRecord, payload: Any, handoff: asyncio.Future[Reply]) -> None:
        try:
            reply = await self._create_once(turn, record, payload)
        except Exception:
            log.exception("%s create failed unexpectedly form=%s", self.kind, record.form_id)
            reply = await self._finish(turn, record, unknown=True, wrote=True)  # it may have sent something
        if not handoff.done():
            handoff.set_result(reply)
            return
        await self._update_card(turn, reply)

    async def _create_once(self, turn: Turn, record: FormRecord, payload: Any) -> Reply:
        attempt = record.attempt
        with deadline(self.services.settings.create_wait_seconds, patient=True), track_writes() as writes:
            try:
                found = await self.find_existing(turn, record, payload) if attempt and attempt.look_first else None
                if found is not None:
                    log.info("%s adopted what an earlier create made form=%s", self.kind, record.form_id)
                elif attempt and attempt.look_first and not self._settled_long_enough(record):
                    log.info("%s not found yet, an earlier write may still land form=%s", self.kind, record.form_id)
                    return await self._finish(turn, record, unknown=True)
                outcome = found if found is not None else await self.create(turn, record, payload)
            except GraphError as error:
                log.warning(
                    "%s create failed status=%s code=%s inner=%s request-id=%s client-request-id=%s writes=%d",
                    self.kind,
                    error.status,
                    error.code,
                    error.inner_code,
                    error.request_id,
                    error.client_request_id,
                    writes.sent,
                )
                if isinstance(error, GraphUnavailable) and writes.sent:
                    settled_view = self.explain_unknown(error, turn.lang)
                    if settled_view is not None:  # the feature looked after the failure: nothing is there
                        return await self._finish(turn, record, view=settled_view)
                    return await self._finish(turn, record, unknown=True, wrote=True, cause=error)
                if attempt and attempt.look_first and not writes.sent:
                    return await self._finish(turn, record, unknown=True)  # still not known: keep looking first
                view = self.explain(error, turn.lang)
                view.request_id = view.request_id or error.request_id or error.client_request_id
                return await self._finish(turn, record, view=view)
        if isinstance(outcome, FormView):
            return await self._finish(turn, record, view=outcome)
        return await self._finish(turn, record, result=outcome)

    async def _finish(
        self,
        turn: Turn,
        record: FormRecord,
        *,
        result: dict[str, Any] | None = None,
        view: FormView | None = None,
        unknown: bool = False,
        wrote: bool = False,
        cause: GraphError | None = None,
    ) -> Reply:
        """Records the outcome (releasing the claim) and renders it. `wrote`: this attempt itself sent a write
        whose outcome is unknown, so the settle time starts again from now."""
        claim = record.attempt
        record.attempt = None
        if result is not None:
            record.status, record.result = "done", result
            self._forget_inputs(record)
            log.info("%s created form=%s", self.kind, record.form_id)
        else:
            if unknown and (wrote or UNKNOWN_SINCE not in record.context):
                record.context[UNKNOWN_SINCE] = self.forms.clock()
            record.status = "unknown" if unknown else "open"
            view = self._unknown_view(turn.lang, cause) if unknown else view or FormView()
            record.answer = {"activity_id": claim.activity_id if claim else None, "view": asdict(view)}
        if not await self.forms.save(record):
            # Our claim was taken over (we were slower than its deadline): whoever holds it now decides.
            log.warning("%s outcome not recorded, the form was taken over form=%s", self.kind, record.form_id)
            current = await self.load(turn)
            if current is not None and (settled := self.settled(turn, current)) is not None:
                return settled
        if result is not None:
            return Reply.in_place(self.render_done(record, turn.lang))
        return Reply.in_place(self.render_form(record, turn.lang, view or FormView()))

    def _settled_long_enough(self, record: FormRecord) -> bool:
        since = record.context.get(UNKNOWN_SINCE)
        settle = self.services.settings.unknown_settle_seconds
        return not isinstance(since, int | float) or self.forms.clock() - since >= settle

    async def _update_card(self, turn: Turn, reply: Reply) -> None:
        outbound = self.services.outbound
        if outbound is None or turn.reference is None or not turn.card_activity_id:
            log.info("%s outcome shown at the next press (no card to update)", self.kind)
            return
        try:
            await outbound.update(turn.reference, turn.card_activity_id, reply)
        except Exception as error:  # the outcome is stored: the next press shows it
            log.warning("%s card update failed reason=%s", self.kind, type(error).__name__)

    @classmethod
    async def idle(cls) -> None:
        """Waits for the background creates of this process (shutdown, tests)."""
        while cls._running:
            await asyncio.gather(*list(cls._running), return_exceptions=True)

    # --- answers -------------------------------------------------------------------------------------------
    def settled(self, turn: Turn, record: FormRecord) -> Reply | None:
        """The answer to any press on a form that cannot change now: done, cancelled, or being created."""
        if record.status == "done":
            return Reply.in_place(self.render_done(record, turn.lang))
        if record.status == "cancelled":
            return self.cancelled(turn, False, bool((record.result or {}).get("edit")))
        if record.status == "creating" and record.attempt and record.attempt.until > self.forms.clock():
            view = FormView(banner=t(turn.lang, "form.still_creating"), banner_color="Accent")
            return Reply.in_place(self.render_form(record, turn.lang, view))
        return None

    @staticmethod
    def _unknown_view(lang: Lang, cause: GraphError | None) -> FormView:
        if cause is not None and cause.status >= 500:
            view = FormView(banner=t(lang, "form.server_error", status=cause.status))
        else:
            view = FormView(banner=t(lang, "form.unknown_outcome"))
        view.request_id = cause.request_id or cause.client_request_id if cause else None
        return view

    def _answer_view(self, record: FormRecord, lang: Lang) -> FormView:
        stored = (record.answer or {}).get("view")
        if record.status == "unknown" and not stored:
            return FormView(banner=t(lang, "form.unknown_outcome"))
        return view_from_json(stored)

    @staticmethod
    def _forget_inputs(record: FormRecord) -> None:
        """A finished form keeps only what a late press needs (its result), for `done_seconds`."""
        record.values, record.rows, record.context, record.answer = {}, {}, {}, None

    def edits_existing(self, record: FormRecord) -> bool:
        """Whether this form changes something that exists (an edit) rather than creating something."""
        return False

    def cancelled(self, turn: Turn, unknown: bool, editing: bool = False) -> Reply:
        key = "form.cancelled_unknown" if unknown else "form.cancelled_edit" if editing else "form.cancelled"
        return Reply.in_place(notice_card(turn.lang, t(turn.lang, key), []))

    def busy(self, turn: Turn) -> Reply:
        return Reply.in_place(notice_card(turn.lang, t(turn.lang, "app.name"), [t(turn.lang, "form.still_creating")]))

    async def load_unsettled(self, turn: Turn) -> FormRecord | Reply:
        """The form, if a press can still change it; else the answer to give (out of date, done, cancelled,
        still creating)."""
        record = await self.load(turn)
        if record is None:
            return self.stale(turn)
        return self.refusal(turn, record) or self.settled(turn, record) or record

    async def load(self, turn: Turn) -> FormRecord | None:
        return await self.forms.load(str(turn.data.get(FORM_ID) or ""), self.kind)

    @staticmethod
    def refusal(turn: Turn, record: FormRecord) -> Reply | None:
        """A form acts only for the manager who opened it, in the conversation where it was opened. Anyone
        else gets a short notice (a message, not a card: the form stays as it was for everybody)."""
        if record.owner.casefold() != turn.user.aad_object_id.casefold():
            key = "form.not_yours"
        elif record.conversation and record.conversation != turn.conversation_id:
            key = "form.other_conversation"
        else:
            return None
        log.info("%s form=%s refused: %s", record.kind, record.form_id, key)
        return Reply(text=t(turn.lang, key))

    def stale(self, turn: Turn) -> Reply:
        return Reply.in_place(notice_card(turn.lang, t(turn.lang, "app.name"), [t(turn.lang, "notice.stale")]))


def form_verbs(flow: FormFlow) -> Router:
    """The verbs every form has, registered once here for any feature's flow: `<kind>.submit`, `<kind>.confirm`
    (submit again, accepting what the form warned about), `<kind>.add`, `<kind>.remove` (a row), `<kind>.cancel`."""
    router = Router()
    router.verb(f"{flow.kind}.submit")(flow.submit)
    router.verb(f"{flow.kind}.confirm")(functools.partial(flow.submit, confirmed=True))
    router.verb(f"{flow.kind}.add")(functools.partial(flow.edit, change="add"))
    router.verb(f"{flow.kind}.remove")(functools.partial(flow.edit, change="remove"))
    router.verb(f"{flow.kind}.cancel")(flow.cancel)
    return router
