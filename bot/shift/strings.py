"""Every user-visible string of the shift feature, in English and French, and date formatting."""

from __future__ import annotations

from datetime import date

from babel.dates import format_date

from bot import i18n
from bot.i18n import Lang

i18n.register(
    en={
        # the form
        "shift.title": "New shift",
        "shift.team": "Team",
        "shift.load_team": "Load this team",
        "shift.team_loaded": "Showing the members and scheduling groups of {team}.",
        "shift.zone_hint": "Times are in {zone}. An end earlier than the start is on the next day.",
        "shift.member": "Team member",
        "shift.member_placeholder": "Type a name",
        "shift.group": "Scheduling group",
        "shift.date": "Date",
        "shift.start": "Start time",
        "shift.end": "End time",
        "shift.label": "Label",
        "shift.label_placeholder": "e.g. Day shift",
        "shift.notes": "Notes",
        "shift.theme": "Colour",
        "shift.visibility": "Visibility",
        "shift.publish": "Publish now (the team sees it)",
        "shift.draft": "Save as draft (managers only)",
        "shift.breaks": "Breaks and activities",
        "shift.no_breaks": "No breaks yet.",
        "shift.break_name": "Break {number} name",
        "shift.break_start": "Break {number} start",
        "shift.break_end": "Break {number} end",
        "shift.break_paid": "Break {number} paid",
        "shift.break_paid_title": "Paid",
        "shift.break_code": "Break {number} code (optional)",
        "shift.add_break": "Add break",
        "shift.remove_break": "Remove break {number}",
        "shift.submit": "Create shift",
        "shift.confirm": "Create with these times",
        "shift.confirm_anyway": "Create anyway",
        "shift.checks_confirm": "Please check before creating:",
        "shift.check_past": "This shift starts in the past ({day}).",
        "shift.check_full_day": "The end is the same time as the start: this is a 24-hour shift.",
        "shift.check_group": "{member} is not in the scheduling group {group}.",
        "shift.check_shift": "{member} already has a shift then: {when}.",
        "shift.check_time_off": "{member} has time off then: {when}.",
        "shift.duration": "Duration: {duration}",
        "shift.fact_duration": "Duration",
        "shift.cancel": "Cancel",
        "shift.default_break": "Break",
        # what the command line could not use
        "shift.unparsed": "From your message, I could not use: {words}",
        "shift.ambiguous": "Several members match “{words}”: {names}. Pick one below.",
        "shift.not_member": "{name} is not a member of {team}.",
        # daylight saving
        "shift.zone_confirm": "Check these times: the clocks change that day. "
        "Press “Create with these times” to go ahead.",
        "shift.zone_gap": "{typed} does not exist on {day} in {zone} (the clocks go forward): {used} is used.",
        "shift.zone_fold": "{typed} happens twice on {day} in {zone} (the clocks go back): the first one, "
        "{used}, is used.",
        # client-side messages
        # server-side messages
        "shift.err.team_changed": "You picked another team: press “Load this team” first.",
        "shift.err.member_required": "Choose a team member.",
        "shift.err.member_unknown": "This person is not a member of the team.",
        "shift.err.group_required": "Choose a scheduling group.",
        "shift.err.group_unknown": "This scheduling group does not exist or is not active.",
        "shift.err.date": "Enter a date, e.g. 2026-03-29.",
        "shift.err.time": "Enter a time, e.g. 09:00.",
        "shift.err.too_long": "At most {max} characters.",
        "shift.err.theme": "Choose one of the colours in the list.",
        "shift.err.visibility": "Choose publish now or save as draft.",
        "shift.err.duration": "This shift would last {duration}: a shift lasts from 1 minute to 24 hours.",
        "shift.err.break_name": "Name break {number}.",
        "shift.err.break_empty": "Break {number} must end after it starts.",
        "shift.err.break_outside": "Break {number} must be within the shift's start and end times.",
        "shift.err.break_overlap": "Break {number} overlaps break {other}.",
        "shift.err.too_many_breaks": "At most {max} breaks per shift.",
        # Graph failures
        "shift.err.not_manager": "You can't add shifts to this team: you must own the team or manage its schedule "
        "in Shifts. Ask a team owner to make you a schedule manager, or to add the shift.",
        "shift.err.forbidden": "Microsoft 365 refused access to this team's schedule. Your admin may need to grant "
        "Manager Desk the Shifts permissions.",
        "shift.err.not_found": "Microsoft 365 did not find this team, or Shifts is not set up for it. In Shifts, the "
        "team's schedule must be enabled and fully provisioned (enabled, provisionStatus Completed).",
        # opening the form
        "shift.no_team_here": "I could not tell which team this channel belongs to. Try again, or use /shift in a "
        "chat with me to choose the team.",
        "shift.no_teams": "None of your teams has a schedule in Shifts. Set up Shifts for a team first (or ask "
        "its owner), then try again.",
        "shift.not_scheduled": "Shifts is not set up for {team}: its schedule must be enabled and provisioned "
        "(enabled: {enabled}, provisionStatus: {status}).",
        "shift.no_groups": "{team} has no active scheduling group. Add one in Shifts first.",
        "shift.open_failed": "I could not load the team's schedule.",
        "shift.this_team": "this team",
        # the confirmation
        "shift.done_published": "Shift published",
        "shift.done_draft": "Shift saved as draft",
        "shift.done_published_note": "The team can see it in Shifts.",
        "shift.done_draft_note": "Only managers can see it until the schedule is shared.",
        "shift.fact_team": "Team",
        "shift.fact_member": "Member",
        "shift.fact_group": "Group",
        "shift.fact_date": "Date",
        "shift.fact_time": "Time",
        "shift.fact_label": "Label",
        "shift.fact_theme": "Colour",
        "shift.fact_notes": "Notes",
        "shift.fact_status": "Status",
        "shift.fact_id": "Shift ID",
        "shift.fact_break": "Break",
        "shift.status_published": "Published",
        "shift.status_draft": "Draft",
        "shift.time_range": "{start} – {end} ({zone})",
        "shift.next_day": "{time} next day",
        "shift.break_line": "{name}, {start} – {end}, {paid}",
        "shift.break_code_line": "{name}, {start} – {end}, {paid}, code {code}",
        "shift.paid": "paid",
        "shift.unpaid": "unpaid",
    },
    fr={
        "shift.title": "Nouveau poste",
        "shift.team": "Équipe",
        "shift.load_team": "Charger cette équipe",
        "shift.team_loaded": "Membres et groupes de {team} affichés.",
        "shift.zone_hint": "Heures dans le fuseau {zone}. Une fin plus tôt que le début tombe le lendemain.",
        "shift.member": "Membre de l'équipe",
        "shift.member_placeholder": "Tapez un nom",
        "shift.group": "Groupe de planification",
        "shift.date": "Date",
        "shift.start": "Heure de début",
        "shift.end": "Heure de fin",
        "shift.label": "Libellé",
        "shift.label_placeholder": "ex. Poste de jour",
        "shift.notes": "Notes",
        "shift.theme": "Couleur",
        "shift.visibility": "Visibilité",
        "shift.publish": "Publier maintenant (l'équipe le voit)",
        "shift.draft": "Enregistrer comme brouillon (responsables seulement)",
        "shift.breaks": "Pauses et activités",
        "shift.no_breaks": "Aucune pause pour l'instant.",
        "shift.break_name": "Nom de la pause {number}",
        "shift.break_start": "Début de la pause {number}",
        "shift.break_end": "Fin de la pause {number}",
        "shift.break_paid": "Pause {number} payée",
        "shift.break_paid_title": "Payée",
        "shift.break_code": "Code de la pause {number} (facultatif)",
        "shift.add_break": "Ajouter une pause",
        "shift.remove_break": "Supprimer la pause {number}",
        "shift.submit": "Créer le poste",
        "shift.confirm": "Créer avec ces heures",
        "shift.confirm_anyway": "Créer quand même",
        "shift.checks_confirm": "Vérifiez avant de créer :",
        "shift.check_past": "Ce poste commence dans le passé ({day}).",
        "shift.check_full_day": "La fin est à la même heure que le début : c'est un poste de 24 heures.",
        "shift.check_group": "{member} ne fait pas partie du groupe de planification {group}.",
        "shift.check_shift": "{member} a déjà un poste à ce moment-là : {when}.",
        "shift.check_time_off": "{member} est en congé à ce moment-là : {when}.",
        "shift.duration": "Durée : {duration}",
        "shift.fact_duration": "Durée",
        "shift.cancel": "Annuler",
        "shift.default_break": "Pause",
        "shift.unparsed": "Dans votre message, je n'ai pas pu utiliser : {words}",
        "shift.ambiguous": "Plusieurs membres correspondent à « {words} » : {names}. Choisissez ci-dessous.",
        "shift.not_member": "{name} n'est pas membre de {team}.",
        "shift.zone_confirm": "Vérifiez ces heures : on change d'heure ce jour-là. "
        "Appuyez sur « Créer avec ces heures » pour continuer.",
        "shift.zone_gap": "{typed} n'existe pas le {day} dans le fuseau {zone} (on avance l'heure) : "
        "{used} est retenu.",
        "shift.zone_fold": "{typed} a lieu deux fois le {day} dans le fuseau {zone} (on recule l'heure) : "
        "la première, {used}, est retenue.",
        "shift.err.team_changed": "Vous avez choisi une autre équipe : appuyez d'abord sur « Charger cette équipe ».",
        "shift.err.member_required": "Choisissez un membre de l'équipe.",
        "shift.err.member_unknown": "Cette personne n'est pas membre de l'équipe.",
        "shift.err.group_required": "Choisissez un groupe de planification.",
        "shift.err.group_unknown": "Ce groupe de planification n'existe pas ou n'est pas actif.",
        "shift.err.date": "Saisissez une date, par ex. 2026-03-29.",
        "shift.err.time": "Saisissez une heure, par ex. 09:00.",
        "shift.err.too_long": "{max} caractères au maximum.",
        "shift.err.theme": "Choisissez une des couleurs de la liste.",
        "shift.err.visibility": "Choisissez publier maintenant ou brouillon.",
        "shift.err.duration": "Ce poste durerait {duration} : un poste dure de 1 minute à 24 heures.",
        "shift.err.break_name": "Nommez la pause {number}.",
        "shift.err.break_empty": "La pause {number} doit finir après son début.",
        "shift.err.break_outside": "La pause {number} doit se situer entre le début et la fin du poste.",
        "shift.err.break_overlap": "La pause {number} chevauche la pause {other}.",
        "shift.err.too_many_breaks": "{max} pauses au maximum par poste.",
        "shift.err.not_manager": "Vous ne pouvez pas ajouter de postes à cette équipe : il faut en être "
        "propriétaire ou gérer son planning dans Shifts. Demandez à un propriétaire de vous nommer responsable "
        "du planning, ou d'ajouter le poste.",
        "shift.err.forbidden": "Microsoft 365 a refusé l'accès au planning de cette équipe. Votre administrateur "
        "doit peut-être accorder à Manager Desk les autorisations Shifts.",
        "shift.err.not_found": "Microsoft 365 n'a pas trouvé cette équipe, ou Shifts n'est pas configuré pour "
        "elle. Dans Shifts, le planning de l'équipe doit être activé et entièrement provisionné (enabled, "
        "provisionStatus Completed).",
        "shift.no_team_here": "Je n'ai pas pu identifier l'équipe de ce canal. Réessayez, ou utilisez /poste dans "
        "une conversation avec moi pour choisir l'équipe.",
        "shift.no_teams": "Aucune de vos équipes n'a de planning dans Shifts. Configurez d'abord Shifts pour une "
        "équipe (ou demandez à son propriétaire), puis réessayez.",
        "shift.not_scheduled": "Shifts n'est pas configuré pour {team} : son planning doit être activé et "
        "provisionné (enabled : {enabled}, provisionStatus : {status}).",
        "shift.no_groups": "{team} n'a aucun groupe de planification actif. Ajoutez-en un dans Shifts d'abord.",
        "shift.open_failed": "Je n'ai pas pu charger le planning de l'équipe.",
        "shift.this_team": "cette équipe",
        "shift.done_published": "Poste publié",
        "shift.done_draft": "Poste enregistré comme brouillon",
        "shift.done_published_note": "L'équipe le voit dans Shifts.",
        "shift.done_draft_note": "Seuls les responsables le voient tant que le planning n'est pas partagé.",
        "shift.fact_team": "Équipe",
        "shift.fact_member": "Membre",
        "shift.fact_group": "Groupe",
        "shift.fact_date": "Date",
        "shift.fact_time": "Heures",
        "shift.fact_label": "Libellé",
        "shift.fact_theme": "Couleur",
        "shift.fact_notes": "Notes",
        "shift.fact_status": "Statut",
        "shift.fact_id": "ID du poste",
        "shift.fact_break": "Pause",
        "shift.status_published": "Publié",
        "shift.status_draft": "Brouillon",
        "shift.time_range": "{start} – {end} ({zone})",
        "shift.next_day": "{time} le lendemain",
        "shift.break_line": "{name}, {start} – {end}, {paid}",
        "shift.break_code_line": "{name}, {start} – {end}, {paid}, code {code}",
        "shift.paid": "payée",
        "shift.unpaid": "non payée",
    },
)


def format_day(day: date, lang: Lang) -> str:
    """'Monday 11 March 2019' / 'lundi 11 mars 2019', by Babel's CLDR names."""
    return str(format_date(day, "EEEE d MMMM y", locale=lang))
