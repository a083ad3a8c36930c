"""Builders for the fire-safety tests: the real categories of data/fire.yaml as rows (so that the
suggestion is tested against the data that ships), and a returned-dossier stand-in of the
one-stop shop.

    from antt.establishments.tests.fire_factories import load_fire_categories, fire_dossier
"""

from __future__ import annotations

from datetime import date

import yaml

from antt.establishments import fire
from antt.establishments.models import FireCategory

CATEGORY_FIELDS = (
    "code",
    "appendix",
    "item",
    "name",
    "threshold",
    "high_risk",
    "needs_design_approval",
    "insurance_required",
    "valid_from",
    "valid_to",
    "legal_basis",
    "source",
    "kinds",
    "min_floors",
    "min_floor_area_m2",
    "min_volume_m3",
    "min_capacity",
)


def fire_data() -> dict:
    with fire.DATA_FILE.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def load_fire_categories() -> list[FireCategory]:
    """The FireCategory rows of fire.yaml, created directly (idempotent)."""
    rows = []
    for row in fire_data()["fire_categories"]:
        values = {key: row[key] for key in CATEGORY_FIELDS if key in row}
        obj, _ = FireCategory.objects.get_or_create(
            code=values.pop("code"), valid_from=values.pop("valid_from"), defaults=values
        )
        rows.append(obj)
    return rows


def fire_dossier(*, seed_ref: str = "7.12", establishment=None, form_data: dict | None = None, result_code: str = ""):
    """A dossier of an appendix-7 procedure received at the counter of a one-stop world's unit
    (not returned: `fire.apply_returned_dossier` only reads it), optionally with a result."""
    from antt.dossiers.models import DossierResult
    from antt.dossiers.services import dossier_receive
    from antt.dossiers.tests.factories import applicant, one_stop_world

    w = one_stop_world()
    procedure = w.procedure
    procedure.seed_ref = seed_ref
    procedure.name = "Phê duyệt Phương án chữa cháy của cơ sở"
    procedure.save(update_fields=["seed_ref", "name"])
    dossier = dossier_receive(
        officer=w.receptionist, procedure=procedure, level="commune", applicant=applicant()
    ).dossier
    if form_data is None and establishment is not None:
        form_data = {"establishment": {"id": establishment.pk, "lines": []}}
    dossier.form_data = form_data or {}
    dossier.save(update_fields=["form_data"])
    if result_code:
        DossierResult.objects.create(dossier=dossier, number=1, code=result_code, name="Văn bản kết quả")
    return dossier, w


def days_ago(today: date, n: int) -> date:
    from datetime import timedelta

    return today - timedelta(days=n)


def premises(w, **kwargs):
    """`factories.make_establishment` with a tax code not yet used. (`factories.valid_tax_code`
    can hand out the same code twice: when it skips a body without a check digit, the next call
    starts from that body again — reported to the lead.)"""
    from antt.establishments.models import Establishment
    from antt.establishments.tests.factories import make_establishment, valid_tax_code

    code = valid_tax_code()
    while Establishment.objects.filter(tax_code=code).exists():
        code = valid_tax_code()
    return make_establishment(w, tax_code=code, **kwargs)
