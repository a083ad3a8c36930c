"""The penalty decision state machine: every allowed transition in one table.

Each action names the statuses it may start from, the status it leads to (None: computed by
the service from the money, e.g. a payment leads to paid or partly paid) and the capability
the acting officer needs (None: the system or the payment provider).

    issue ─▶ unpaid ──pay──▶ partly_paid ──pay──▶ paid
    issue ─▶ warning          │  │ mark_late (past payment_due_on)
                              ▼  ▼
                              late ──enforce──▶ enforced ──pay──▶ paid
    unpaid / partly_paid / late / warning ──appeal──▶ appealed ──close_appeal──▶ (by the money)
    unpaid / late / appealed / warning (nothing paid) ──cancel──▶ cancelled
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from antt.violations.models import DecisionStatus
from antt.violations.rules import ViolationError


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: tuple[str, ...]
    target: str | None
    capability: str | None


S = DecisionStatus
# Statuses in which the fine is still owed (a complaint does not by itself suspend the decision,
# only the authority handling it may: Luật Khiếu nại 2011 Art. 35, from memory; enforcement
# ends with the payment).
OWED = (S.UNPAID, S.PARTLY_PAID, S.LATE, S.APPEALED, S.ENFORCED)

TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        Transition("deliver", _("Giao quyết định"), (S.UNPAID, S.WARNING, S.LATE), None, "violation.decide"),
        Transition("pay", _("Ghi nhận nộp phạt"), OWED, None, None),
        Transition("mark_late", _("Quá hạn nộp phạt"), (S.UNPAID, S.PARTLY_PAID), S.LATE, None),
        Transition(
            "appeal",
            _("Ghi nhận khiếu nại, khởi kiện"),
            (S.UNPAID, S.PARTLY_PAID, S.LATE, S.WARNING),
            S.APPEALED,
            "violation.decide",
        ),
        Transition("close_appeal", _("Kết thúc khiếu nại, khởi kiện"), (S.APPEALED,), None, "violation.decide"),
        Transition(
            "enforce",
            _("Cưỡng chế thi hành quyết định"),
            (S.LATE, S.PARTLY_PAID, S.UNPAID),
            S.ENFORCED,
            "violation.decide",
        ),
        Transition(
            "cancel",
            _("Hủy quyết định xử phạt"),
            (S.UNPAID, S.LATE, S.APPEALED, S.WARNING),
            S.CANCELLED,
            "violation.decide",
        ),
    ]
}


def user_may(user, action: str) -> bool:
    from antt.org.roles import can

    needed = TRANSITIONS[action].capability
    return needed is None or any(can(user, cap) for cap in needed.split("|"))


def check(action: str, status: str, user=None) -> Transition:
    """The transition, or ViolationError 409 (wrong status) / 403 (role)."""
    transition = TRANSITIONS[action]
    if status not in transition.sources:
        raise ViolationError(
            f"Không thể thực hiện “{transition.label}” khi quyết định đang ở trạng thái "
            f"“{DecisionStatus(status).label}”.",
            409,
        )
    if user is not None and not user_may(user, action):
        raise ViolationError("Vai trò của bạn không được thực hiện thao tác này.", 403)
    return transition


def actions_available(status: str, user) -> list[str]:
    """The actions this user could take on a decision in `status` (for buttons)."""
    return [a for a, t in TRANSITIONS.items() if status in t.sources and t.capability and user_may(user, a)]
