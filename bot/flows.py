"""The life of a form card, shared by every feature: open, edit (add/remove rows), submit, confirm.

A feature subclasses `FormFlow` and supplies the card renderers, the validation and the Graph call.
The flow guarantees: every action re-renders from the stored form merged with what the card posted, so
nothing typed is lost; one submission at a time per form, and a form that is done answers every later press
with the same confirmation, so nothing is created twice; Graph failures become a message on the form."""

from __future__ import annotations

import functools
import logging
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, ClassVar

from bot import i18n
from bot.forms import FORM_ID, FormRecord
from bot.graph.client import deadline
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

i18n.register(
    en={
        "form.fix_errors": "Please fix the highlighted fields.",
        "form.cancelled": "Cancelled. Nothing was created.",
        "form.retry_later": "Microsoft 365 is busy right now. Nothing was created. Please try again in a minute.",
        "form.retry_after": "Microsoft 365 is busy right now. Nothing was created. Please try again in {wait}.",
        "form.unknown_outcome": "Microsoft 365 did not answer in time. Check whether it was created before you "
        "try again.",
        "form.server_error": "Microsoft 365 had a problem on its side (error {status}). Check whether it was "
        "created before you try again.",
        "form.signin_expired": "Your sign-in has expired. Sign in again, then press the button once more.",
        "form.graph_rejected": "Microsoft 365 refused this. Nothing was created.",
        "form.graph_failed": "Microsoft 365 could not do this ({code}). Nothing was created. Please try again.",
        "form.not_yours": "This form belongs to the person who opened it. Type a command to open your own.",
        "form.other_conversation": "This form can only be used in the chat where it was opened.",
    },
    fr={
        "form.fix_errors": "Veuillez corriger les champs signalés.",
        "form.cancelled": "Annulé. Rien n'a été créé.",
        "form.retry_later": "Microsoft 365 est occupé. Rien n'a été créé. Veuillez réessayer dans une minute.",
        "form.retry_after": "Microsoft 365 est occupé. Rien n'a été créé. Veuillez réessayer dans {wait}.",
        "form.unknown_outcome": "Microsoft 365 n'a pas répondu à temps. Vérifiez si la création a eu lieu avant "
        "de réessayer.",
        "form.server_error": "Microsoft 365 a rencontré un problème de son côté (erreur {status}). Vérifiez si la "
        "création a eu lieu avant de réessayer.",
        "form.signin_expired": "Votre connexion a expiré. Reconnectez-vous, puis appuyez de nouveau sur le bouton.",
        "form.graph_rejected": "Microsoft 365 a refusé. Rien n'a été créé.",
        "form.graph_failed": "Microsoft 365 n'a pas pu le faire ({code}). Rien n'a été créé. Veuillez réessayer.",
        "form.not_yours": "Ce formulaire appartient à la personne qui l'a ouvert. Tapez une commande pour ouvrir "
        "le vôtre.",
        "form.other_conversation": "Ce formulaire ne s'utilise que dans la conversation où il a été ouvert.",
    },
)


class FormFlow(ABC):
    kind: str  # e.g. "customer"; verbs are "<kind>.submit", "<kind>.add", "<kind>.remove", "<kind>.cancel"
    row_limits: ClassVar[Mapping[str, int]] = {}  # repeating row groups and how many rows each may have

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

    def explain(self, error: GraphError, lang: Lang) -> FormView:
        """Graph failures common to every feature; features override for their own codes and call super()."""
        if isinstance(error, GraphThrottled) or (isinstance(error, GraphUnavailable) and error.status == 503):
            if error.retry_after:
                wait = i18n.quantity(lang, int(error.retry_after + 0.999), "second")
                return FormView(banner=t(lang, "form.retry_after", wait=wait))
            return FormView(banner=t(lang, "form.retry_later"))
        if isinstance(error, GraphUnavailable) and error.status >= 500:
            return FormView(banner=t(lang, "form.server_error", status=error.status))
        if isinstance(error, GraphUnavailable):
            return FormView(banner=t(lang, "form.unknown_outcome"))
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
        await self.forms.save(record)
        return Reply.new_card(self.render_form(record, turn.lang, view or FormView()))

    async def prepare(self, turn: Turn, record: FormRecord) -> None:  # noqa: B027 (an optional hook)
        """Hook: fill choices and defaults (businesses, teams, members) into record.context."""

    async def load_for_edit(self, turn: Turn) -> FormRecord | Reply:
        """The open form with what the card posted merged in; or, when the form is gone or finished,
        the reply to give instead (out of date, or the confirmation)."""
        record = await self.load(turn)
        if record is None:
            return self.stale(turn)
        if refused := self.refusal(turn, record):
            return refused
        if record.status != "open":
            return Reply.in_place(self.render_done(record, turn.lang))
        record.merge_inputs(turn.data)
        return record

    async def edit(self, turn: Turn, change: str) -> Reply:
        record = await self.load_for_edit(turn)
        if isinstance(record, Reply):
            return record
        group = str(turn.data.get("group") or "")
        # An add past the limit (a stale card's button) or to an unknown group only re-renders.
        if change == "add" and len(record.rows.get(group, [])) < self.row_limits.get(group, 0):
            record.add_row(group)
        elif change == "remove" and group:
            record.remove_row(group, str(turn.data.get("row") or ""))
        await self.forms.save(record)
        return Reply.in_place(self.render_form(record, turn.lang, FormView()))

    async def cancel(self, turn: Turn) -> Reply:
        record = await self.load(turn)
        if record is None:
            return self.stale(turn)
        if refused := self.refusal(turn, record):
            return refused
        async with self.forms.exclusive(record.form_id):
            record = await self.load(turn) or record
            if record.status == "done":
                return Reply.in_place(self.render_done(record, turn.lang))
            record.status = "cancelled"
            await self.forms.save(record)
        return Reply.in_place(notice_card(turn.lang, t(turn.lang, "form.cancelled"), []))

    async def submit(self, turn: Turn, *, confirmed: bool = False) -> Reply:
        record = await self.load(turn)
        if record is None:
            return self.stale(turn)
        if refused := self.refusal(turn, record):
            return refused
        async with self.forms.exclusive(record.form_id):
            record = await self.load(turn) or record  # another press may have finished meanwhile
            if record.status == "done":
                return Reply.in_place(self.render_done(record, turn.lang))
            if record.status == "cancelled":
                return self.stale(turn)
            record.merge_inputs(turn.data)
            await self.forms.save(record)
            return await self._submit_open(turn, record, confirmed)

    async def _submit_open(self, turn: Turn, record: FormRecord, confirmed: bool) -> Reply:
        payload, errors = self.validate(record, turn.lang)
        if errors:
            return Reply.in_place(
                self.render_form(record, turn.lang, FormView(errors, t(turn.lang, "form.fix_errors")))
            )
        record.context["confirmed"] = confirmed
        try:
            with deadline(ACTION_BUDGET_SECONDS):
                outcome = await self.create(turn, record, payload)
        except GraphError as error:
            log.warning(
                "%s create failed status=%s code=%s inner=%s request-id=%s client-request-id=%s",
                self.kind,
                error.status,
                error.code,
                error.inner_code,
                error.request_id,
                error.client_request_id,
            )
            view = self.explain(error, turn.lang)
            view.request_id = view.request_id or error.request_id or error.client_request_id
            return Reply.in_place(self.render_form(record, turn.lang, view))
        if isinstance(outcome, FormView):
            return Reply.in_place(self.render_form(record, turn.lang, outcome))
        record.status = "done"
        record.result = outcome
        await self.forms.save(record)
        log.info("%s created form=%s", self.kind, record.form_id)
        return Reply.in_place(self.render_done(record, turn.lang))

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
