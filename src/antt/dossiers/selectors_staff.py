"""Reads for the staff pages of a dossier: the units and officers an action may choose.

The services check every choice again (`services._check_assignee`, `dossier_receive`'s
unit check); these selectors only offer the choices that will pass, so that a
counter officer never picks a name the service will refuse.
"""

from __future__ import annotations

from django.db.models import QuerySet

from antt.dossiers.models import Dossier, DossierStep, StepState
from antt.dossiers.workflow import DESK_ACTIONS, DESK_SUPPLEMENT_STATUSES, may_act  # noqa: F401 (re-exported)
from antt.org.models import AdminArea, Role, Unit, User


def intake_units(officer) -> QuerySet[Unit]:
    """Units a counter officer may hand a dossier to: their own unit and, below their parent, its
    sibling units (a commune desk receives for the commune; a province desk for its departments)."""
    if officer is None or not getattr(officer, "unit_id", None):
        return Unit.objects.none()
    base = officer.unit.parent or officer.unit
    return Unit.objects.filter(path__startswith=base.path, is_active=True).order_by("path")


def intake_areas(officer) -> QuerySet[AdminArea]:
    """Communes and wards of the current (two-level) scheme, those of the officer's province when
    the officer's unit has an area, so that the select stays short."""
    qs = AdminArea.objects.filter(scheme=AdminArea.Scheme.CURRENT, level=AdminArea.Level.COMMUNE)
    area = getattr(getattr(officer, "unit", None), "area", None)
    while area is not None and area.level != AdminArea.Level.PROVINCE:
        area = area.parent
    if area is not None and area.scheme == AdminArea.Scheme.CURRENT:
        narrowed = qs.filter(parent=area)
        if narrowed.exists():
            qs = narrowed
    return qs.order_by("name_folded", "code")


def dossier_steps(dossier: Dossier) -> list[DossierStep]:
    """The dossier's steps in order, with what the steps table and the officer choices need."""
    return list(dossier.steps.select_related("unit", "assignee").order_by("order"))


def target_step(dossier: Dossier, action: str, steps: list[DossierStep] | None = None) -> DossierStep | None:
    """The step an officer chosen for `action` would work on: the first pending step (start), the
    next pending one (forward), the current one (assign) or the last finished one (send back)."""
    steps = steps if steps is not None else dossier_steps(dossier)
    current = next((s for s in steps if s.pk == dossier.current_step_id), None)
    pending = [s for s in steps if s.state == StepState.PENDING]
    if action == "start":
        return pending[0] if pending else None
    if current is None:
        return None
    if action == "forward":
        return next((s for s in pending if s.order > current.order), None)
    if action == "assign":
        return current
    if action == "send_back":
        done = [s for s in steps if s.order < current.order and s.state == StepState.DONE]
        return done[-1] if done else None
    return None


def assignable_officers(dossier: Dossier, step: DossierStep | None) -> QuerySet[User]:
    """Active officers of the step's unit (or below it) holding the step's role.

    A head's step goes to heads; any other step to processors (or heads, who may take one
    themselves). Without a step: the processors and heads of the dossier's unit.
    """
    unit = step.unit if step is not None else dossier.unit
    if step is not None and step.role == Role.HEAD:
        roles = [Role.HEAD]
    elif step is not None and step.role == Role.RECEPTIONIST:
        roles = [Role.RECEPTIONIST]
    else:
        roles = [Role.PROCESSOR, Role.HEAD]
    return (
        User.objects.filter(is_active=True, unit__path__startswith=unit.path, role__in=roles)
        .select_related("unit")
        .order_by("full_name_folded", "username")
    )
