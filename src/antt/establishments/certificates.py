"""Security certificates: issue from a returned one-stop dossier, change, re-issue, suspend,
revoke (services; every write in a transaction with an audit entry and a feed row)."""

from __future__ import annotations

from antt.establishments.models import ProcedureAction


def procedure_action(dossier) -> ProcedureAction | None:
    """The registry action of this dossier's procedure, by its place in the seed, on the day it was returned."""
    seed_ref = dossier.procedure.seed_ref
    if not seed_ref:
        return None
    day = dossier.returned_at.date() if dossier.returned_at else None
    qs = ProcedureAction.objects.filter(seed_ref=seed_ref)
    if day is not None:
        qs = qs.filter(ProcedureAction.valid_on(day))
    return qs.order_by("-valid_from").first()


def apply_returned_dossier(*, dossier, officer) -> None:
    """Called inside the transaction that returns `dossier` (signal `dossier_returned`)."""
    action = procedure_action(dossier)
    if action is None:
        return
    raise NotImplementedError("issue 5: certificates from dossiers")  # replaced by the certificates work
