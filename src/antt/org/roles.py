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
    },
    Role.UNIT_ADMIN: {"catalog.view", "officer.view", "officer.manage", "person.view"},
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
    },
}


def can(user, capability: str) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return capability in CAPABILITIES.get(user.role, set())
