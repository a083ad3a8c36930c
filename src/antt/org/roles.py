"""What each staff role may do. The unit decides what they may see (selectors).

Violations: `violation.view` (lists and files of the unit), `violation.record` (make a
record), `violation.decide` (issue a decision: the officer's fining title then decides how
much), `violation.seize` (custody register), `violation.pay` (take a payment at the counter),
`violation.import` and `violation.reconcile` (historical data, treasury statements),
`violation.rules` (the catalogue of behaviours and the legal parameters).

Establishments: `establishment.view` (the registry of the unit and the units below),
`establishment.manage` (create and edit establishments, fire-safety file, approve business
accounts), `establishment.inspect` (plan and record inspections, follow findings),
`certificate.manage` (issue outside the one-stop flow, suspend and revoke certificates),
`establishment.rules` (business lines, fire categories, inspection frequencies).

Lodging: `lodging.view` (guests staying now, declarations and late counts of the unit's area),
`lodging.search` (search by person, stay histories; every search with its reason, audited),
`lodging.stats` (statistics and occupancy), `watchlist.view` (the watchlist and its alerts),
`watchlist.manage` (add and remove entries), `alert.handle` (acknowledge and close alerts),
`lodging.rules` (code tables, deadlines, retention). Officers of the exit-entry units
(`ANTT_LODGING_EXIT_ENTRY_UNITS`) with `lodging.view` also see every foreign guest of the units
under their parent (the foreigners' temporary-residence declarations).

Portal and feedback: `feedback.view` (feedback of the unit and the units below),
`feedback.intake` (accept, refuse, release suspected spam, transfer to another unit),
`feedback.answer` (write the answer), `feedback.publish` (publish the answer with personal data
removed), `feedback.stats` (statistics by topic and unit), `portal.edit` (announcements and
contact points), `agency.manage` (agencies' API keys, webhooks and their delivery log).

Capabilities are plain strings checked by services, selectors and views
(`can(user, "dossier.receive")`). Later issues add their own capabilities here,
next to the roles that hold them.
"""

from antt.org.models import Role

CAPABILITIES: dict[str, set[str]] = {
    Role.RECEPTIONIST: {
        "catalog.view",
        "dossier.view",
        "dossier.receive",
        "dossier.return",
        "person.view",
        "violation.view",
        "violation.pay",
        "establishment.view",
        "feedback.view",
        "feedback.intake",
    },
    Role.PROCESSOR: {
        "catalog.view",
        "dossier.view",
        "dossier.process",
        "person.view",
        "violation.view",
        "violation.record",
        "violation.decide",
        "violation.seize",
        "establishment.view",
        "establishment.manage",
        "establishment.inspect",
        "lodging.view",
        "lodging.search",
        "lodging.stats",
        "watchlist.view",
        "alert.handle",
        "feedback.view",
        "feedback.answer",
    },
    Role.HEAD: {
        "catalog.view",
        "dossier.view",
        "dossier.process",
        "dossier.approve",
        "person.view",
        "reports.view",
        "officer.view",
        "violation.view",
        "violation.record",
        "violation.decide",
        "violation.seize",
        "violation.pay",
        "violation.import",
        "violation.reconcile",
        "establishment.view",
        "establishment.manage",
        "establishment.inspect",
        "certificate.manage",
        "lodging.view",
        "lodging.search",
        "lodging.stats",
        "watchlist.view",
        "watchlist.manage",
        "alert.handle",
        "feedback.view",
        "feedback.intake",
        "feedback.answer",
        "feedback.publish",
        "feedback.stats",
    },
    # A supervisor reads statistics (and the officer list) across the units below theirs and
    # changes nothing.
    Role.SUPERVISOR: {
        "catalog.view",
        "dossier.view",
        "reports.view",
        "officer.view",
        "violation.view",
        "establishment.view",
        "lodging.stats",
        "feedback.view",
        "feedback.stats",
    },
    Role.UNIT_ADMIN: {"catalog.view", "officer.view", "officer.manage", "person.view", "portal.edit"},
    Role.SYSTEM_ADMIN: {
        "catalog.view",
        "catalog.manage",
        "calendar.manage",
        "officer.view",
        "officer.manage",
        "unit.manage",
        "audit.view",
        "reports.view",
        "violation.rules",
        "establishment.rules",
        "lodging.rules",
        "portal.edit",
        "agency.manage",
        "feedback.stats",
    },
}


def can(user, capability: str) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return capability in CAPABILITIES.get(user.role, set())
