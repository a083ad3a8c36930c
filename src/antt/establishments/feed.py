"""The change feed other agencies read (tax, culture-sports-tourism, planning: seed II.2(2)b).

Every service that changes shared data calls `record_establishment` or `record_certificate`
inside its transaction; the row holds the public view of the object at that moment (no
personal data: no owner, representative or responsible person, no ID numbers or phones).
The sharing API and exports use the same two functions to shape their rows, so that the feed,
the API and the files always agree on what is shared.
"""

from __future__ import annotations

from django.utils import timezone

from antt.establishments.models import Certificate, ChangeEntry, Establishment
from antt.violations.selectors import mask_id


def shared_tax_code(tax_code: str) -> str:
    """A household business's tax code is the owner's 12-digit personal ID number (TT
    86/2024/TT-BTC): shared masked like every ID number (`mask_id`, last 4 digits only), on the
    public verification page too. An agency that knows the full code can still ask for it by
    that code."""
    if len(tax_code) == 12 and tax_code.isdigit():
        return mask_id(tax_code, 4)
    return tax_code


def establishment_public(e: Establishment) -> dict:
    """What is shared of an establishment (business data only)."""
    return {
        "id": e.pk,
        "name": e.name,
        "trade_name": e.trade_name,
        "tax_code": shared_tax_code(e.tax_code),
        "registration_number": e.registration_number,
        "kind": e.kind,
        "lines": sorted(line.code for line in e.lines.all()),
        "area_code": e.area.code if e.area_id else None,
        "area_name": e.area.name if e.area_id else None,
        "address": e.address,
        "latitude": float(e.latitude) if e.latitude is not None else None,
        "longitude": float(e.longitude) if e.longitude is not None else None,
        "unit": e.unit.name if e.unit_id else None,
        "status": e.status,
        "lodging_kind": e.lodging_kind,
        "rooms": e.rooms,
        "updated_at": e.updated_at.isoformat() if e.updated_at else None,
    }


def certificate_public(c: Certificate) -> dict:
    """What is shared of a certificate (no holder name or ID number). A partial suspension or
    revocation (TT 42/2017 Art. 4) leaves the certificate valid: the lines out are listed."""
    from antt.establishments.selectors_certificates import line_states  # lazy: avoids an import cycle

    states = line_states(c)
    return {
        "id": c.pk,
        "number": c.number,
        "establishment_id": c.establishment_id,
        "tax_code": shared_tax_code(c.establishment.tax_code),
        "unit": c.unit.name if c.unit_id else None,
        "kind": c.kind,
        "lines": sorted(line.code for line in c.lines.all()),
        "lines_revoked": sorted(s.code for s in states if s.state == "revoked"),
        "lines_suspended": sorted(s.code for s in states if s.state == "suspended"),
        "issued_on": c.issued_on.isoformat(),
        "valid_until": c.valid_until.isoformat() if c.valid_until else None,
        "status": c.status,
        "suspended_until": c.suspended_until.isoformat() if c.suspended_until else None,
        "replaces": c.replaces.number if c.replaces_id else None,
        "updated_at": c.updated_at.isoformat() if c.updated_at else None,
    }


def record_establishment(e: Establishment, action: str) -> ChangeEntry:
    return ChangeEntry.objects.create(
        entity=ChangeEntry.Entity.ESTABLISHMENT,
        object_id=e.pk,
        action=action,
        at=timezone.now(),
        data=establishment_public(e),
    )


def record_certificate(c: Certificate, action: str) -> ChangeEntry:
    return ChangeEntry.objects.create(
        entity=ChangeEntry.Entity.CERTIFICATE,
        object_id=c.pk,
        action=action,
        at=timezone.now(),
        data=certificate_public(c),
    )
