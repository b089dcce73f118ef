"""Every user-visible string of the requests feature in English and French (plurals through bot.i18n.tn) and
dates in the reader's language and time zone."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime

from bot import i18n
from bot.i18n import Lang, t
from bot.shift.timezones import load_zone

MAX_ZONE_NAME = 64  # the longest IANA names are about 30 characters

i18n.register(
    en={
        "requests.title": "Requests to approve",
        "requests.none": "No pending requests in the teams you manage.",
        "requests.count.one": "{count} pending request.",
        "requests.count.other": "{count} pending requests.",
        "requests.count.many": "{count} pending requests.",
        "requests.no_teams": "You don't own a team whose Shifts schedule is set up, so there is nothing to approve.",
        "requests.team_failed": "I could not read the requests of {team}.",
        "requests.open_failed": "I could not read your teams' requests.",
        "requests.kind.timeOffRequests": "Time off",
        "requests.kind.swapShiftsChangeRequests": "Shift swap",
        "requests.kind.offerShiftRequests": "Shift offer",
        "requests.kind.openShiftChangeRequests": "Open shift",
        "requests.line.team": "Team",
        "requests.line.what": "What",
        "requests.line.when": "When",
        "requests.line.note": "Note",
        "requests.line.reply": "Reply from {name}",
        "requests.line.sent": "Sent",
        "requests.what.swap": "{sender} gives {sender_shift} and takes {recipient}'s {recipient_shift}",
        "requests.what.offer": "{sender} offers {sender_shift} to {recipient}",
        "requests.what.open": "{sender} asks for the open shift {open_shift}",
        "requests.shift": "“{label}” on {when}",
        "requests.shift_unknown": "a shift that is no longer in the schedule",
        "requests.reason_unknown": "Time off",
        "requests.all_day": "{start} to {end} (all day, {zone})",
        "requests.range": "{start} to {end} ({zone})",
        "requests.same_day": "{day}, {start}–{end} ({zone})",
        "requests.conflict.one": "Conflicts with {count} of {name}'s shifts: {shifts}",
        "requests.conflict.other": "Conflicts with {count} of {name}'s shifts: {shifts}",
        "requests.conflict.many": "Conflicts with {count} of {name}'s shifts: {shifts}",
        "requests.waiting": "Waiting for {name} to accept first; you can decide after that.",
        "requests.done.approved": "Approved. {name} is told in Shifts.",
        "requests.done.declined": "Declined. {name} is told in Shifts.",
        "requests.done.message": "Your message: {message}",
        "requests.already.approved": "Already approved by someone else.",
        "requests.already.declined": "Already declined by someone else.",
        "requests.already.approved_by_you": "You already approved this request.",
        "requests.already.declined_by_you": "You already declined this request.",
        "requests.already.decided": "This request is no longer pending.",
        "requests.refused.waiting": "{name} has not accepted this request yet. You can decide once they have.",
        "requests.refused.not_owner": "Only an owner of {team} can decide on this request.",
        "requests.refused.gone": "This request no longer exists. It may have been withdrawn.",
        "requests.refused.busy": "Microsoft 365 is busy. Nothing was decided. Try again in a minute.",
        "requests.refused.busy_for": "Microsoft 365 is busy. Nothing was decided. Try again in {wait}.",
        "requests.refused.unknown": "Microsoft 365 did not confirm. I checked: the request is still pending, "
        "so you can try again.",
        "requests.refused.failed": "Microsoft 365 could not do this ({code}). Nothing was decided.",
        "requests.in_progress": "This decision is already being sent.",
        "requests.not_yours": "This list belongs to another manager. Type /requests for yours.",
        "requests.more": "Showing the {shown} oldest; {left} more after these. Type /requests again once these are "
        "done.",
    },
    fr={
        "requests.title": "Demandes à traiter",
        "requests.none": "Aucune demande en attente dans les équipes que vous gérez.",
        "requests.count.one": "{count} demande en attente.",
        "requests.count.other": "{count} demandes en attente.",
        "requests.count.many": "{count} de demandes en attente.",
        "requests.no_teams": "Vous n'êtes propriétaire d'aucune équipe dont le planning Shifts est configuré : "
        "rien à approuver.",
        "requests.team_failed": "Je n'ai pas pu lire les demandes de {team}.",
        "requests.open_failed": "Je n'ai pas pu lire les demandes de vos équipes.",
        "requests.kind.timeOffRequests": "Congé",
        "requests.kind.swapShiftsChangeRequests": "Échange de postes",
        "requests.kind.offerShiftRequests": "Cession de poste",
        "requests.kind.openShiftChangeRequests": "Poste libre",
        "requests.line.team": "Équipe",
        "requests.line.what": "Quoi",
        "requests.line.when": "Quand",
        "requests.line.note": "Note",
        "requests.line.reply": "Réponse de {name}",
        "requests.line.sent": "Envoyée",
        "requests.what.swap": "{sender} cède {sender_shift} et prend {recipient_shift} de {recipient}",
        "requests.what.offer": "{sender} cède {sender_shift} à {recipient}",
        "requests.what.open": "{sender} demande le poste libre {open_shift}",
        "requests.shift": "« {label} » le {when}",
        "requests.shift_unknown": "un poste qui n'est plus au planning",
        "requests.reason_unknown": "Congé",
        "requests.all_day": "du {start} au {end} (journées entières, {zone})",
        "requests.range": "du {start} au {end} ({zone})",
        "requests.same_day": "{day}, {start}–{end} ({zone})",
        "requests.conflict.one": "Chevauche {count} poste de {name} : {shifts}",
        "requests.conflict.other": "Chevauche {count} postes de {name} : {shifts}",
        "requests.conflict.many": "Chevauche {count} de postes de {name} : {shifts}",
        "requests.waiting": "En attente de l'accord de {name} ; vous pourrez décider ensuite.",
        "requests.done.approved": "Approuvée. {name} est prévenu(e) dans Shifts.",
        "requests.done.declined": "Refusée. {name} est prévenu(e) dans Shifts.",
        "requests.done.message": "Votre message : {message}",
        "requests.already.approved": "Déjà approuvée par quelqu'un d'autre.",
        "requests.already.declined": "Déjà refusée par quelqu'un d'autre.",
        "requests.already.approved_by_you": "Vous avez déjà approuvé cette demande.",
        "requests.already.declined_by_you": "Vous avez déjà refusé cette demande.",
        "requests.already.decided": "Cette demande n'est plus en attente.",
        "requests.refused.waiting": "{name} n'a pas encore accepté cette demande. Vous pourrez décider ensuite.",
        "requests.refused.not_owner": "Seul un propriétaire de {team} peut traiter cette demande.",
        "requests.refused.gone": "Cette demande n'existe plus. Elle a peut-être été retirée.",
        "requests.refused.busy": "Microsoft 365 est occupé. Rien n'a été décidé. Réessayez dans une minute.",
        "requests.refused.busy_for": "Microsoft 365 est occupé. Rien n'a été décidé. Réessayez dans {wait}.",
        "requests.refused.unknown": "Microsoft 365 n'a pas confirmé. J'ai vérifié : la demande est toujours en "
        "attente, vous pouvez réessayer.",
        "requests.refused.failed": "Microsoft 365 n'a pas pu le faire ({code}). Rien n'a été décidé.",
        "requests.in_progress": "Cette décision est déjà en cours d'envoi.",
        "requests.not_yours": "Cette liste appartient à un autre responsable. Tapez /demandes pour la vôtre.",
        "requests.more": "Voici les {shown} plus anciennes ; {left} autres ensuite. Tapez /demandes de nouveau une "
        "fois celles-ci traitées.",
    },
)


def zone_of(*names: object) -> ZoneInfo:
    """The first usable IANA zone among `names` (the activity's localTimezone may be anything), else UTC."""
    return load_zone(*(name for name in names if isinstance(name, str) and 0 < len(name) <= MAX_ZONE_NAME))


def moment(value: datetime, zone: ZoneInfo, lang: Lang) -> str:
    """'Thu 24 Dec, 09:00' / 'jeu. 24 déc., 09:00' in the zone."""
    return format_datetime(value.astimezone(zone), "EEE d MMM, HH:mm", locale=lang)


def day(value: date, lang: Lang) -> str:
    return format_date(value, "EEE d MMM", locale=lang)


def time_range(start: datetime, end: datetime, zone: ZoneInfo, lang: Lang) -> str:
    """A whole-day span as days (the end day inclusive); part of one day as that day and two times; anything else
    with both days and times."""
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    if local_start.time() == local_end.time() == datetime.min.time() and local_end > local_start:
        last = local_end.date() - timedelta(days=1)
        return t(lang, "requests.all_day", start=day(local_start.date(), lang), end=day(last, lang), zone=str(zone))
    if local_start.date() == local_end.date():
        times = {"start": f"{local_start:%H:%M}", "end": f"{local_end:%H:%M}"}
        return t(lang, "requests.same_day", day=day(local_start.date(), lang), zone=str(zone), **times)
    return t(lang, "requests.range", start=moment(start, zone, lang), end=moment(end, zone, lang), zone=str(zone))


def shift_text(label: str, start: datetime, end: datetime, zone: ZoneInfo, lang: Lang) -> str:
    when = f"{moment(start, zone, lang)}–{end.astimezone(zone).strftime('%H:%M')}"
    return t(lang, "requests.shift", label=label, when=when)
