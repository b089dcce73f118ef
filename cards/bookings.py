"""The Bookings desk's cards: customer search results, delete confirmation, edit and booking confirmations, the
day's agenda and the booking form. Pure functions of (view model, language) to card JSON.

Every value that came from Graph or from a person is shown through cards.common's `literal`, `paragraph` and
`facts` (TextRuns, which hosts never read as Markdown), so a customer called `[x](https://…)` or `**Boss**` shows
exactly that."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import microsoft_teams.cards as ac

from bot import i18n
from bot.i18n import Lang, t, tn
from cards.common import envelope, facts, heading, literal, paragraph
from cards.forms import banner, choice_field, date_field, execute, form_card, required_label, time_field, with_error

EDIT = "bookings.edit"
DELETE = "bookings.delete"
DELETE_CONFIRM = "bookings.delete.confirm"
DELETE_KEEP = "bookings.delete.keep"
BOOK = "bookings.book"
AGENDA = "bookings.agenda"
BOOK_SUBMIT = "appointment.submit"
BOOK_CANCEL = "appointment.cancel"

# Inputs of the booking form.
CUSTOMER = "customer"
SERVICE = "service"
STAFF = "staff"
DATE = "date"
START = "start"

Choices = list[tuple[str, str]]
ActionStyle = Literal["default", "positive", "destructive"] | None

i18n.register(
    en={
        "bookings.search_title": "Customers",
        "bookings.search_for": "Search",
        "bookings.found.one": "{count} customer found.",
        "bookings.found.other": "{count} customers found.",
        "bookings.none_found": "No customer matches. Check the spelling, or search by email or phone.",
        "bookings.showing": "Showing the {shown} most recent. Add words to narrow the search.",
        "bookings.scan_partial.one": "I stopped after looking at {count} customer: there may be more matches. "
        "Narrow the search.",
        "bookings.scan_partial.other": "I stopped after looking at {count} customers: there may be more matches. "
        "Narrow the search.",
        "bookings.business": "Business",
        "bookings.email": "Email",
        "bookings.phone": "Phone",
        "bookings.added": "Added",
        "bookings.edit": "Edit",
        "bookings.delete": "Delete",
        "bookings.book": "Book",
        "bookings.delete_title": "Delete this customer?",
        "bookings.delete_warning": "This removes the customer from Bookings. It can't be undone.",
        "bookings.delete_confirm": "Delete customer",
        "bookings.delete_keep": "Keep",
        "bookings.deleted_title": "Customer deleted",
        "bookings.kept_title": "Nothing was deleted",
        "bookings.name": "Name",
        "bookings.updated_title": "Customer updated",
        "bookings.address": "Address {n}",
        "bookings.customer_id": "Customer ID",
        "bookings.agenda_title": "Agenda",
        "bookings.appointments.one": "{count} appointment.",
        "bookings.appointments.other": "{count} appointments.",
        "bookings.no_appointments": "No appointment on this day.",
        "bookings.service": "Service",
        "bookings.staff": "Staff",
        "bookings.customer": "Customer",
        "bookings.unknown": "—",
        "bookings.previous_day": "Previous day",
        "bookings.next_day": "Next day",
        "bookings.book_new": "Book an appointment",
        "bookings.form_title": "Book an appointment",
        "bookings.form_customer": "Customer",
        "bookings.form_service": "Service",
        "bookings.form_staff": "Staff member",
        "bookings.form_date": "Date",
        "bookings.form_start": "Start time",
        "bookings.form_choose": "Choose…",
        "bookings.form_submit": "Book",
        "bookings.form_cancel": "Cancel",
        "bookings.booked_title": "Appointment booked",
        "bookings.when": "When",
        "bookings.appointment_id": "Appointment ID",
        "bookings.see_agenda": "See the day's agenda",
    },
    fr={
        "bookings.search_title": "Clients",
        "bookings.search_for": "Recherche",
        "bookings.found.one": "{count} client trouvé.",
        "bookings.found.other": "{count} clients trouvés.",
        "bookings.none_found": "Aucun client ne correspond. Vérifiez l'orthographe, ou cherchez par e-mail ou "
        "téléphone.",
        "bookings.showing": "Voici les {shown} plus récents. Ajoutez des mots pour affiner la recherche.",
        "bookings.scan_partial.one": "Je me suis arrêté après avoir parcouru {count} client : il peut y avoir "
        "d'autres résultats. Affinez la recherche.",
        "bookings.scan_partial.other": "Je me suis arrêté après avoir parcouru {count} clients : il peut y avoir "
        "d'autres résultats. Affinez la recherche.",
        "bookings.business": "Entreprise",
        "bookings.email": "E-mail",
        "bookings.phone": "Téléphone",
        "bookings.added": "Ajouté le",
        "bookings.edit": "Modifier",
        "bookings.delete": "Supprimer",
        "bookings.book": "Prendre rendez-vous",
        "bookings.delete_title": "Supprimer ce client ?",
        "bookings.delete_warning": "Le client sera retiré de Bookings. Cette action est définitive.",
        "bookings.delete_confirm": "Supprimer le client",
        "bookings.delete_keep": "Conserver",
        "bookings.deleted_title": "Client supprimé",
        "bookings.kept_title": "Rien n'a été supprimé",
        "bookings.name": "Nom",
        "bookings.updated_title": "Client modifié",
        "bookings.address": "Adresse {n}",
        "bookings.customer_id": "ID du client",
        "bookings.agenda_title": "Agenda",
        "bookings.appointments.one": "{count} rendez-vous.",
        "bookings.appointments.other": "{count} rendez-vous.",
        "bookings.no_appointments": "Aucun rendez-vous ce jour-là.",
        "bookings.service": "Service",
        "bookings.staff": "Personnel",
        "bookings.customer": "Client",
        "bookings.unknown": "—",
        "bookings.previous_day": "Jour précédent",
        "bookings.next_day": "Jour suivant",
        "bookings.book_new": "Prendre un rendez-vous",
        "bookings.form_title": "Prendre un rendez-vous",
        "bookings.form_customer": "Client",
        "bookings.form_service": "Service",
        "bookings.form_staff": "Membre du personnel",
        "bookings.form_date": "Date",
        "bookings.form_start": "Heure de début",
        "bookings.form_choose": "Choisissez…",
        "bookings.form_submit": "Réserver",
        "bookings.form_cancel": "Annuler",
        "bookings.booked_title": "Rendez-vous pris",
        "bookings.when": "Quand",
        "bookings.appointment_id": "ID du rendez-vous",
        "bookings.see_agenda": "Voir l'agenda du jour",
    },
)


# --- shared pieces --------------------------------------------------------------------------------------------


def bold(text: str) -> ac.RichTextBlock:
    return literal(text, weight="Bolder")


def lines_of(pairs: Sequence[tuple[str, str]], lang: Lang) -> list[ac.CardElement]:
    """Label/value lines, the values literal (cards.common.facts); nothing when there are none."""
    return [facts(list(pairs), lang)] if pairs else []


def action(title: str, verb: str, data: Mapping[str, str], *, style: ActionStyle = None) -> ac.ExecuteAction:
    """An action that needs no input from the card it sits on (the host's input checks never block it)."""
    return ac.ExecuteAction(title=title, verb=verb, data={"verb": verb, **data}, associated_inputs="none", style=style)


# --- /customers ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CustomerRow:
    business_id: str
    business_name: str
    customer_id: str
    name: str
    email: str
    phones: tuple[str, ...]
    added: str  # already formatted for the manager, or ""


@dataclass(frozen=True)
class SearchView:
    query: str
    rows: Sequence[CustomerRow]
    matches: int
    scanned: int
    complete: bool
    show_business: bool
    notes: Sequence[str] = ()  # already worded: businesses that could not be searched


def search_card(view: SearchView, lang: Lang) -> dict[str, Any]:
    body: list[ac.CardElement] = [heading(t(lang, "bookings.search_title"))]
    body += lines_of([(t(lang, "bookings.search_for"), view.query)], lang)
    summary = tn(lang, "bookings.found", view.matches) if view.matches else t(lang, "bookings.none_found")
    body.append(paragraph(summary))
    if view.matches > len(view.rows):
        body.append(paragraph(t(lang, "bookings.showing", shown=len(view.rows)), subtle=True))
    if not view.complete:
        body.append(paragraph(tn(lang, "bookings.scan_partial", view.scanned), color="Warning"))
    body += [paragraph(note, color="Warning") for note in view.notes]
    body += [_customer_container(row, view.show_business, lang) for row in view.rows]
    return envelope(body)


def _customer_container(row: CustomerRow, show_business: bool, lang: Lang) -> ac.Container:
    items: list[ac.CardElement] = [bold(row.name or t(lang, "bookings.unknown"))]
    pairs = [(t(lang, "bookings.email"), row.email)] if row.email else []
    pairs += [(t(lang, "bookings.phone"), phone) for phone in row.phones]
    if show_business:
        pairs.append((t(lang, "bookings.business"), row.business_name))
    if row.added:
        pairs.append((t(lang, "bookings.added"), row.added))
    items += lines_of(pairs, lang)
    ids = {"businessId": row.business_id, "customerId": row.customer_id}
    buttons: list[ac.Action] = [
        action(t(lang, "bookings.edit"), EDIT, ids),
        action(t(lang, "bookings.book"), BOOK, ids),
        action(t(lang, "bookings.delete"), DELETE, ids, style="destructive"),
    ]
    items.append(ac.ActionSet(actions=buttons))
    return ac.Container(items=items, style="emphasis", separator=True, spacing="Medium")


# --- delete ------------------------------------------------------------------------------------------------------


def delete_confirm_card(
    form_id: str,
    pairs: Sequence[tuple[str, str]],
    lang: Lang,
    *,
    problem: str | None = None,
    request_id: str | None = None,
) -> dict[str, Any]:
    """`problem`: why an earlier press did not end in a known delete (the buttons stay, to try again)."""
    body: list[ac.CardElement] = [heading(t(lang, "bookings.delete_title"))]
    if problem:
        detail = t(lang, "notice.request_id", request_id=request_id) if request_id else None
        body += banner(problem, detail=detail)
    body += lines_of(pairs, lang)
    body.append(paragraph(t(lang, "bookings.delete_warning"), color="Attention"))
    actions: list[ac.Action] = [
        action(t(lang, "bookings.delete_confirm"), DELETE_CONFIRM, {"formId": form_id}, style="destructive"),
        action(t(lang, "bookings.delete_keep"), DELETE_KEEP, {"formId": form_id}),
    ]
    return envelope(body, actions)


def outcome_card(
    lang: Lang,
    title: str,
    pairs: Sequence[tuple[str, str]],
    lines: Sequence[str] = (),
    *,
    request_id: str | None = None,
    actions: list[ac.Action] | None = None,
) -> dict[str, Any]:
    """A title, literal label/value lines, plain lines, and the support reference when there is one."""
    body: list[ac.CardElement] = [heading(title), *lines_of(pairs, lang), *(paragraph(line) for line in lines)]
    if request_id:
        body.append(paragraph(t(lang, "notice.request_id", request_id=request_id), subtle=True))
    return envelope(body, actions)


# --- /agenda -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgendaItem:
    when: str  # "09:00–09:30", plus the manager's own time when their zone differs
    service: str
    staff: str
    customer: str


@dataclass(frozen=True)
class AgendaView:
    business_id: str
    business_name: str
    day: str  # ISO date, for the buttons
    day_text: str  # "Monday 7 December 2026"
    zone_text: str  # "Times in Europe/Paris (the business) and America/New_York (yours)."
    items: Sequence[AgendaItem]
    notes: Sequence[str] = ()
    previous_day: str = ""
    next_day: str = ""


def agenda_card(view: AgendaView, lang: Lang) -> dict[str, Any]:
    body: list[ac.CardElement] = [heading(t(lang, "bookings.agenda_title"))]
    body.append(bold(view.business_name))
    body.append(paragraph(view.day_text))
    body.append(paragraph(view.zone_text, subtle=True))
    count = len(view.items)
    body.append(paragraph(tn(lang, "bookings.appointments", count) if count else t(lang, "bookings.no_appointments")))
    body += [paragraph(note, color="Warning") for note in view.notes]
    none = t(lang, "bookings.unknown")
    for item in view.items:
        lines: list[ac.CardElement] = [bold(item.when)]
        lines += lines_of(
            [
                (t(lang, "bookings.service"), item.service or none),
                (t(lang, "bookings.staff"), item.staff or none),
                (t(lang, "bookings.customer"), item.customer or none),
            ],
            lang,
        )
        body.append(ac.Container(items=lines, separator=True, spacing="Medium"))
    business = {"businessId": view.business_id}
    actions: list[ac.Action] = [
        action(t(lang, "bookings.book_new"), BOOK, {**business, "date": view.day}, style="positive"),
        action(t(lang, "bookings.previous_day"), AGENDA, {**business, "date": view.previous_day}),
        action(t(lang, "bookings.next_day"), AGENDA, {**business, "date": view.next_day}),
    ]
    return envelope(body, actions)


# --- the booking form ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BookingForm:
    form_id: str
    values: Mapping[str, Any]
    business_name: str
    zone_note: str
    customer: Sequence[tuple[str, str]]  # literal lines about a customer chosen beforehand, or ()
    customers: Choices  # (title, id) when the customer is chosen on the form
    services: Choices
    staff: Choices
    errors: Mapping[str, str] = field(default_factory=dict)
    banner: str | None = None
    banner_color: str = "Attention"
    details: Sequence[str] = ()  # under the banner: Graph's message, the reference for the admin

    def value(self, key: str) -> str:
        value = self.values.get(key)
        return value if isinstance(value, str) else ""


def booking_form_card(form: BookingForm, lang: Lang) -> dict[str, Any]:
    body: list[ac.CardElement] = [bold(form.business_name), paragraph(form.zone_note, subtle=True)]
    if form.customer:
        body += lines_of(form.customer, lang)
    else:
        body += _choice(form, CUSTOMER, "bookings.form_customer", form.customers, lang)
    body += _choice(form, SERVICE, "bookings.form_service", form.services, lang)
    body += _choice(form, STAFF, "bookings.form_staff", form.staff, lang)
    date_label = required_label(t(lang, "bookings.form_date"), lang)
    start_label = required_label(t(lang, "bookings.form_start"), lang)
    body += date_field(DATE, date_label, form.value(DATE), error=form.errors.get(DATE))
    body += time_field(START, start_label, form.value(START), error=form.errors.get(START))
    actions: list[ac.Action] = [
        execute(t(lang, "bookings.form_submit"), BOOK_SUBMIT, form.form_id, style="positive"),
        execute(t(lang, "bookings.form_cancel"), BOOK_CANCEL, form.form_id, send_inputs=False),
    ]
    top: list[ac.CardElement] = []
    if form.banner:
        top = banner(form.banner, color=form.banner_color, detail=list(form.details))
    return form_card(t(lang, "bookings.form_title"), body, actions, banner_elements=top)


def _choice(form: BookingForm, key: str, label_key: str, choices: Choices, lang: Lang) -> list[ac.CardElement]:
    label = required_label(t(lang, label_key), lang)
    if not choices:  # an empty ChoiceSet is invalid: say there is nothing to choose
        return with_error(paragraph(f"{label}: {t(lang, 'bookings.unknown')}"), form.errors.get(key))
    return choice_field(
        key,
        label,
        choices,
        form.value(key),
        error=form.errors.get(key),
        placeholder=t(lang, "bookings.form_choose"),
    )
