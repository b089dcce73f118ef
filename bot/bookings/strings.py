"""What the Bookings desk says, in English and French (card labels live with the cards). Imported for its side
effect."""

from __future__ import annotations

from bot import i18n

i18n.register(
    en={
        "bookings.personal_only": "Customers' details and appointments are private: use {command} in your personal "
        "chat with Manager Desk.",
        "bookings.no_business": "You have no Bookings business. Ask your Bookings admin to add you as staff.",
        "bookings.list_failed": "I couldn't reach Microsoft Bookings (it answered {code}). Please try again in a "
        "minute.",
        "bookings.not_staff": "You are not on the staff of {business}, so it was left out.",
        "bookings.business_failed": "{business} could not be read (Microsoft 365 answered {code}).",
        "bookings.agenda_usage": "I couldn't read “{text}” as a day. Try /agenda, /agenda tomorrow, /agenda monday "
        "or /agenda 2026-12-07.",
        "bookings.zone_same": "Times in {zone}.",
        "bookings.zone_both": "Times in {zone} (the business); yours in {mine} are in brackets.",
        "bookings.your_time": "{time} yours",
        "bookings.customers_need_read.one": "{count} appointment could not be read in full: its customer may be "
        "missing.",
        "bookings.customers_need_read.other": "{count} appointments could not be read in full: their customer may "
        "be missing.",
        "bookings.customer_gone": "This customer is no longer in Bookings: someone may have deleted it. Search "
        "again with /customers.",
        "bookings.deleted_already": "It was already gone from Bookings.",
        "bookings.delete_unconfirmed": "Microsoft 365 answered with an error ({code}) and I couldn't check whether "
        "the customer was deleted. Search for them with /customers before trying again.",
        "bookings.deleting": "Still deleting: Microsoft 365 has not answered yet. Nothing more was sent.",
        "bookings.delete_not_staff": "You are not on the staff of this Bookings business, so you can't delete its "
        "customers. Nothing was deleted.",
        "bookings.delete_failed": "Microsoft 365 did not delete this customer ({code}). Nothing was deleted. "
        "Please try again.",
        "bookings.delete_checked": "Microsoft 365 answered with an error, but the customer is gone: the delete "
        "went through.",
        "bookings.edit_title": "Edit customer",
        "bookings.save": "Save",
        "bookings.save_anyway": "Save anyway",
        "bookings.duplicate_email": "{business} already has another customer with the email {email}: {names}. "
        "Save anyway?",
        "bookings.edit_gone": "This customer is no longer in Bookings: someone may have deleted it. Nothing was "
        "changed.",
        "bookings.edit_not_staff": "You are not on the staff of this Bookings business, so you can't change its "
        "customers. Nothing was changed.",
        "bookings.edit_refused": "Microsoft 365 refused these changes. Nothing was changed.",
        "bookings.edit_refused_field": "Microsoft 365 refused these changes. Nothing was changed. See the "
        "highlighted field.",
        "bookings.edit_failed": "Microsoft 365 could not save the changes ({code}). Nothing was changed. Please "
        "press Save again.",
        "bookings.edit_unknown": "Microsoft 365 did not answer in time: the changes may or may not be saved. "
        "Pressing Save again is safe.",
        "bookings.customer_required": "Choose the customer.",
        "bookings.service_required": "Choose a service.",
        "bookings.staff_required": "Choose a staff member.",
        "bookings.staff_not_for_service": "This staff member doesn't provide this service. Choose someone who does.",
        "bookings.busy_short": "Already booked from {start} to {end}.",
        "bookings.date_required": "Enter the date, like 2026-12-07.",
        "bookings.start_required": "Enter the start time, like 09:30.",
        "bookings.choice_invalid": "Choose one of the listed options.",
        "bookings.time_gap": "{time} doesn't exist on that day: the clocks change. Choose another time.",
        "bookings.closed": "The business is closed on {day}. Choose another day.",
        "bookings.outside_hours": "{start}–{end} is outside the business hours on {day} ({hours}). Choose another "
        "time.",
        "bookings.staff_busy": "{staff} is already booked from {start} to {end}. Choose another time or staff "
        "member. Nothing was booked.",
        "bookings.graph_outside_hours": "Microsoft 365 says this time is outside the business hours. Nothing was "
        "booked.",
        "bookings.book_refused": "Microsoft 365 could not book this ({code}): the staff member may have been booked "
        "for that time meanwhile. Nothing was booked; check the agenda and try again.",
        "bookings.book_not_staff": "You are not on the staff of this Bookings business, so you can't book its "
        "appointments. Nothing was booked.",
        "bookings.book_gone": "This Bookings business or service was not found. Nothing was booked.",
        "bookings.open_failed": "I couldn't open the booking form: {reason}",
        "bookings.minutes": "{minutes} min",
        "bookings.hours_closed": "closed",
    },
    fr={
        "bookings.personal_only": "Les coordonnées des clients et leurs rendez-vous sont privés : utilisez {command} "
        "dans votre conversation personnelle avec Manager Desk.",
        "bookings.no_business": "Vous n'avez aucune entreprise Bookings. Demandez à votre administrateur Bookings "
        "de vous ajouter au personnel.",
        "bookings.list_failed": "Je n'ai pas pu joindre Microsoft Bookings (réponse : {code}). Veuillez réessayer "
        "dans une minute.",
        "bookings.not_staff": "Vous ne faites pas partie du personnel de {business} : elle a été laissée de côté.",
        "bookings.business_failed": "{business} n'a pas pu être lue (réponse de Microsoft 365 : {code}).",
        "bookings.agenda_usage": "Je n'ai pas compris « {text} » comme un jour. Essayez /rendezvous, /rendezvous "
        "demain, /rendezvous lundi ou /rendezvous 2026-12-07.",
        "bookings.zone_same": "Heures dans le fuseau {zone}.",
        "bookings.zone_both": "Heures dans le fuseau {zone} (l'entreprise) ; les vôtres ({mine}) entre parenthèses.",
        "bookings.your_time": "{time} chez vous",
        "bookings.customers_need_read.one": "{count} rendez-vous n'a pas pu être lu en entier : son client peut "
        "manquer.",
        "bookings.customers_need_read.other": "{count} rendez-vous n'ont pas pu être lus en entier : leur client "
        "peut manquer.",
        "bookings.customer_gone": "Ce client n'est plus dans Bookings : quelqu'un l'a peut-être supprimé. "
        "Cherchez de nouveau avec /clients.",
        "bookings.deleted_already": "Il avait déjà disparu de Bookings.",
        "bookings.delete_unconfirmed": "Microsoft 365 a répondu par une erreur ({code}) et je n'ai pas pu vérifier "
        "si le client a été supprimé. Cherchez-le avec /clients avant de réessayer.",
        "bookings.deleting": "Suppression en cours : Microsoft 365 n'a pas encore répondu. Rien d'autre n'a été "
        "envoyé.",
        "bookings.delete_not_staff": "Vous ne faites pas partie du personnel de cette entreprise Bookings : vous ne "
        "pouvez pas supprimer ses clients. Rien n'a été supprimé.",
        "bookings.delete_failed": "Microsoft 365 n'a pas supprimé ce client ({code}). Rien n'a été supprimé. "
        "Veuillez réessayer.",
        "bookings.delete_checked": "Microsoft 365 a répondu par une erreur, mais le client a disparu : la "
        "suppression a bien eu lieu.",
        "bookings.edit_title": "Modifier le client",
        "bookings.save": "Enregistrer",
        "bookings.save_anyway": "Enregistrer quand même",
        "bookings.duplicate_email": "{business} a déjà un autre client avec l'adresse e-mail {email} : {names}. "
        "Enregistrer quand même ?",
        "bookings.edit_gone": "Ce client n'est plus dans Bookings : quelqu'un l'a peut-être supprimé. Rien n'a été "
        "modifié.",
        "bookings.edit_not_staff": "Vous ne faites pas partie du personnel de cette entreprise Bookings : vous ne "
        "pouvez pas modifier ses clients. Rien n'a été modifié.",
        "bookings.edit_refused": "Microsoft 365 a refusé ces modifications. Rien n'a été modifié.",
        "bookings.edit_refused_field": "Microsoft 365 a refusé ces modifications. Rien n'a été modifié. Voyez le "
        "champ signalé.",
        "bookings.edit_failed": "Microsoft 365 n'a pas pu enregistrer les modifications ({code}). Rien n'a été "
        "modifié. Appuyez de nouveau sur Enregistrer.",
        "bookings.edit_unknown": "Microsoft 365 n'a pas répondu à temps : les modifications sont peut-être "
        "enregistrées, peut-être pas. Appuyer de nouveau sur Enregistrer est sans risque.",
        "bookings.customer_required": "Choisissez le client.",
        "bookings.service_required": "Choisissez un service.",
        "bookings.staff_required": "Choisissez un membre du personnel.",
        "bookings.staff_not_for_service": "Cette personne n'assure pas ce service. Choisissez quelqu'un qui l'assure.",
        "bookings.busy_short": "Déjà réservé de {start} à {end}.",
        "bookings.date_required": "Saisissez la date, par exemple 2026-12-07.",
        "bookings.start_required": "Saisissez l'heure de début, par exemple 09:30.",
        "bookings.choice_invalid": "Choisissez une des options de la liste.",
        "bookings.time_gap": "{time} n'existe pas ce jour-là : on change d'heure. Choisissez une autre heure.",
        "bookings.closed": "L'entreprise est fermée le {day}. Choisissez un autre jour.",
        "bookings.outside_hours": "{start}–{end} est en dehors des heures d'ouverture du {day} ({hours}). "
        "Choisissez une autre heure.",
        "bookings.staff_busy": "{staff} a déjà un rendez-vous de {start} à {end}. Choisissez une autre heure ou "
        "une autre personne. Rien n'a été réservé.",
        "bookings.graph_outside_hours": "Microsoft 365 indique que cette heure est en dehors des heures "
        "d'ouverture. Rien n'a été réservé.",
        "bookings.book_refused": "Microsoft 365 n'a pas pu réserver ({code}) : la personne a peut-être été réservée "
        "à cette heure entre-temps. Rien n'a été réservé ; vérifiez l'agenda et réessayez.",
        "bookings.book_not_staff": "Vous ne faites pas partie du personnel de cette entreprise Bookings : vous ne "
        "pouvez pas y prendre de rendez-vous. Rien n'a été réservé.",
        "bookings.book_gone": "Cette entreprise ou ce service Bookings est introuvable. Rien n'a été réservé.",
        "bookings.open_failed": "Je n'ai pas pu ouvrir le formulaire de réservation : {reason}",
        "bookings.minutes": "{minutes} min",
        "bookings.hours_closed": "fermé",
    },
)
