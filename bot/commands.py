"""The one list of commands the bot answers. The help card, the router and the Teams manifest's
commandLists are all derived from it, so they cannot drift apart."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Command:
    name: str  # canonical, English, what the manifest's command menu shows
    name_fr: str  # the French word, shown to French speakers
    aliases: tuple[str, ...]  # other words that reach the same handler
    description_en: str
    description_fr: str
    usage_en: str = ""
    usage_fr: str = ""

    @property
    def words(self) -> tuple[str, ...]:
        return (self.name, self.name_fr, *self.aliases)

    def word_for(self, lang: str) -> str:
        return self.name_fr if lang == "fr" else self.name


CUSTOMER = Command(
    name="customer",
    name_fr="client",
    aliases=("nouveau-client",),
    description_en="Create a Bookings customer",
    description_fr="Créer un client Bookings",
    usage_en="customer [name] [email] [phone]",
    usage_fr="client [nom] [e-mail] [téléphone]",
)
SHIFT = Command(
    name="shift",
    name_fr="poste",
    aliases=("quart",),
    description_en="Post a Shifts shift for a team member",
    description_fr="Publier un poste Shifts pour un membre de l'équipe",
    usage_en='shift [member] [date] [9:00-17:00] ["label"] [colour]',
    usage_fr='poste [membre] [date] [9:00-17:00] ["libellé"] [couleur]',
)
SCHEDULE = Command(
    name="schedule",
    name_fr="planning",
    aliases=("horaire",),
    description_en="See a team's shifts for a day or a week, and change them",
    description_fr="Voir les postes d'une équipe pour un jour ou une semaine, et les modifier",
    usage_en="schedule [today|date|week|next week] [member] [group]",
    usage_fr="planning [aujourd'hui|date|semaine|semaine prochaine] [membre] [groupe]",
)
OPENSHIFT = Command(
    name="openshift",
    name_fr="posteouvert",
    aliases=("open-shift", "poste-ouvert"),
    description_en="Offer an open shift with a number of slots",
    description_fr="Proposer un poste ouvert avec un nombre de places",
    usage_en='openshift [date] [9:00-17:00] [slots] ["label"]',
    usage_fr='posteouvert [date] [9:00-17:00] [places] ["libellé"]',
)
CUSTOMERS = Command(
    name="customers",
    name_fr="clients",
    aliases=("find-customer", "chercher-client"),
    description_en="Find Bookings customers to edit, delete or book",
    description_fr="Trouver des clients Bookings pour les modifier, les supprimer ou leur réserver un rendez-vous",
    usage_en="customers <name, email or phone>",
    usage_fr="clients <nom, e-mail ou téléphone>",
)
AGENDA = Command(
    name="agenda",
    name_fr="rendezvous",
    aliases=("rendez-vous", "appointments"),
    description_en="See a day's Bookings appointments and book one",
    description_fr="Voir les rendez-vous Bookings d'un jour et en prendre un",
    usage_en="agenda [today | tomorrow | monday | 2026-12-07]",
    usage_fr="rendezvous [aujourd'hui | demain | lundi | 2026-12-07]",
)
REQUESTS = Command(
    name="requests",
    name_fr="demandes",
    aliases=("approvals",),
    description_en="Approve or decline your teams' Shifts requests",
    description_fr="Approuver ou refuser les demandes Shifts de vos équipes",
)
TIMEOFF = Command(
    name="timeoff",
    name_fr="absence",
    aliases=("time-off", "conge", "congé"),
    description_en="Book time off for a team member",
    description_fr="Saisir une absence pour un membre de l'équipe",
    usage_en="timeoff [member] [24/12] to [26/12] [reason], or part of a day: "
    "timeoff [member] [24/12] [9:00] to [13:00] [reason]",
    usage_fr="absence [membre] [24/12] au [26/12] [motif], ou une partie de journée : "
    "absence [membre] [24/12] de [9h] à [13h] [motif]",
)
ALERTS = Command(
    name="alerts",
    name_fr="alertes",
    aliases=(),
    description_en="Turn the morning digest and new-request notices on or off",
    description_fr="Activer ou couper le résumé du matin et les avis de nouvelle demande",
    usage_en="alerts on|off",
    usage_fr="alertes on|off",
)
HELP = Command(
    name="help",
    name_fr="aide",
    aliases=("?",),
    description_en="Show what Manager Desk can do",
    description_fr="Afficher ce que Manager Desk sait faire",
)
SIGNOUT = Command(
    name="signout",
    name_fr="déconnexion",
    aliases=("sign-out", "logout"),
    description_en="Sign out of Manager Desk",
    description_fr="Se déconnecter de Manager Desk",
)

ALL_COMMANDS: tuple[Command, ...] = (
    CUSTOMER,
    SHIFT,
    SCHEDULE,
    OPENSHIFT,
    REQUESTS,
    TIMEOFF,
    CUSTOMERS,
    AGENDA,
    ALERTS,
    HELP,
    SIGNOUT,
)
# Teams shows at most 10 commands per command list (the manifest schema's maxItems). /alerts is set once and
# rarely again, so it is the one left out of the menu; the help card and the router still know it.
MENU_LIMIT = 10
MENU_COMMANDS: tuple[Command, ...] = tuple(c for c in ALL_COMMANDS if c is not ALERTS)
assert len(MENU_COMMANDS) <= MENU_LIMIT
