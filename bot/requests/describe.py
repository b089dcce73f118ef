"""Words for one pending request: who, what, when (in the manager's zone), the notes, and conflicts."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.i18n import Lang, t, tn
from bot.requests.model import ChangeRequest, Span, TeamInbox
from bot.requests.strings import moment, shift_text, time_range
from cards.requests import Line, RequestItem


def name_of(inbox: TeamInbox, user_id: str) -> str:
    return inbox.names.get(user_id) or user_id


def kind_of(request: ChangeRequest, lang: Lang) -> str:
    return t(lang, f"requests.kind.{request.collection}")


def _shift(span: Span | None, zone: ZoneInfo, lang: Lang) -> str:
    if span is None:
        return t(lang, "requests.shift_unknown")
    return shift_text(span.label, span.start, span.end, zone, lang)


def what_of(inbox: TeamInbox, request: ChangeRequest, zone: ZoneInfo, lang: Lang) -> str:
    sender, recipient = name_of(inbox, request.sender_id), name_of(inbox, request.recipient_id)
    sender_shift = _shift(inbox.shifts.get(request.sender_shift_id), zone, lang)
    if request.collection == "timeOffRequests":
        reason = inbox.reasons.get(request.reason_id)
        return reason.name if reason else t(lang, "requests.reason_unknown")
    if request.collection == "swapShiftsChangeRequests":
        recipient_shift = _shift(inbox.shifts.get(request.recipient_shift_id), zone, lang)
        return t(
            lang,
            "requests.what.swap",
            sender=sender,
            sender_shift=sender_shift,
            recipient=recipient,
            recipient_shift=recipient_shift,
        )
    if request.collection == "offerShiftRequests":
        return t(lang, "requests.what.offer", sender=sender, sender_shift=sender_shift, recipient=recipient)
    open_shift = _shift(inbox.open_shifts.get(request.open_shift_id), zone, lang)
    return t(lang, "requests.what.open", sender=sender, open_shift=open_shift)


def describe(inbox: TeamInbox, request: ChangeRequest, zone: ZoneInfo, lang: Lang, *, show_team: bool) -> RequestItem:
    sender = name_of(inbox, request.sender_id)
    lines: list[Line] = []
    if show_team:
        lines.append(Line(t(lang, "requests.line.team"), inbox.team_name))
    lines.append(Line(t(lang, "requests.line.what"), what_of(inbox, request, zone, lang)))
    if request.start is not None and request.end is not None:
        lines.append(Line(t(lang, "requests.line.when"), time_range(request.start, request.end, zone, lang)))
    if request.sender_message:
        lines.append(Line(t(lang, "requests.line.note"), request.sender_message))
    if request.recipient_message:
        label = t(lang, "requests.line.reply", name=name_of(inbox, request.recipient_id))
        lines.append(Line(label, request.recipient_message))
    if request.sent_at is not None:
        lines.append(Line(t(lang, "requests.line.sent"), moment(request.sent_at, zone, lang)))
    return RequestItem(
        request_id=request.request_id,
        title=f"{kind_of(request, lang)} · {sender}",
        lines=lines,
        warnings=_warnings(inbox, request, zone, lang),
        sender_name=sender,
        action_data={
            "collection": request.collection,
            "requestId": request.request_id,
            "teamId": inbox.team_id,
            "teamName": inbox.team_name,
            "recipientName": name_of(inbox, request.recipient_id),
        },
    )


def _warnings(inbox: TeamInbox, request: ChangeRequest, zone: ZoneInfo, lang: Lang) -> list[str]:
    warnings = []
    conflicts = inbox.conflicts(request)
    if conflicts:
        shifts = "; ".join(_shift(span, zone, lang) for span in conflicts)
        name = name_of(inbox, request.sender_id)
        warnings.append(tn(lang, "requests.conflict", len(conflicts), name=name, shifts=shifts))
    if request.waiting_for_recipient:
        warnings.append(t(lang, "requests.waiting", name=name_of(inbox, request.recipient_id)))
    return warnings
