"""What each staff role may do. The unit decides what they may see (selectors).

Capabilities are plain strings checked by services, selectors and views
(`can(user, "dossier.receive")`). Later issues add their own capabilities here,
next to the roles that hold them.
"""

from antt.org.models import Role

CAPABILITIES: dict[str, set[str]] = {
    Role.RECEPTIONIST: {"catalog.view", "dossier.view", "dossier.receive", "dossier.return", "person.view"},
    Role.PROCESSOR: {"catalog.view", "dossier.view", "dossier.process", "person.view"},
    Role.HEAD: {
        "catalog.view",
        "dossier.view",
        "dossier.process",
        "dossier.approve",
        "person.view",
        "reports.view",
        "officer.view",
    },
    # A supervisor reads statistics (and the officer list) across the units below theirs and
    # changes nothing.
    Role.SUPERVISOR: {"catalog.view", "dossier.view", "reports.view", "officer.view"},
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
    },
}


def can(user, capability: str) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return capability in CAPABILITIES.get(user.role, set())
