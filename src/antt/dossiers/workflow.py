"""The dossier state machine: every allowed transition in one table.

Each action names the statuses it may start from, the status it leads to (None:
computed by the service, e.g. back to where the dossier was before a pause) and
the capability the acting officer needs. Services check this table, never their
own ad-hoc conditions, so that the table is the whole truth.

    new_online ──accept──▶ received ──start──▶ processing ──approve──▶ processed ──return──▶ returned
        │  ▲                  │                 │   ▲  │
        │  └─supplement_submit┘                 │   │  └─request_fee──▶ fee_requested ──fee_paid──┐
        ├─request_supplement──▶ supplement ◀────┘   └──────────────────────────────────────────────┘
        └─refuse──▶ not_received          processing ──stop──▶ stopped; any open ──withdraw──▶ withdrawn
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from antt.dossiers.models import Status


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: tuple[str, ...]
    target: str | None
    capability: str | None  # None: done by the applicant (public pages) or the system


S = Status
TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        Transition("accept", _("Tiếp nhận hồ sơ trực tuyến"), (S.NEW_ONLINE,), S.RECEIVED, "dossier.receive"),
        Transition(
            "request_supplement",
            _("Yêu cầu bổ sung, hoàn thiện hồ sơ"),
            (S.NEW_ONLINE, S.RECEIVED, S.PROCESSING),
            S.SUPPLEMENT_REQUESTED,
            "dossier.receive|dossier.process",
        ),
        Transition("supplement_submit", _("Bổ sung hồ sơ"), (S.SUPPLEMENT_REQUESTED,), None, None),
        Transition(
            "refuse",
            _("Từ chối tiếp nhận hồ sơ"),
            (S.NEW_ONLINE, S.SUPPLEMENT_REQUESTED),
            S.NOT_RECEIVED,
            "dossier.receive",
        ),
        Transition("start", _("Chuyển xử lý"), (S.RECEIVED,), S.PROCESSING, "dossier.receive|dossier.process"),
        Transition("forward", _("Chuyển bước xử lý"), (S.PROCESSING,), S.PROCESSING, "dossier.process"),
        Transition("approve", _("Phê duyệt kết quả"), (S.PROCESSING,), S.PROCESSED, "dossier.approve"),
        Transition("send_back", _("Trả lại để xử lý lại"), (S.PROCESSING,), S.PROCESSING, "dossier.approve"),
        Transition(
            "request_fee",
            _("Yêu cầu thực hiện nghĩa vụ tài chính"),
            (S.RECEIVED, S.PROCESSING),
            S.FEE_REQUESTED,
            "dossier.receive|dossier.process",
        ),
        Transition("fee_paid", _("Ghi nhận đã nộp phí, lệ phí"), (S.FEE_REQUESTED,), None, None),
        Transition(
            "return",
            _("Trả kết quả"),
            (S.PROCESSED,),
            S.RETURNED,
            "dossier.return",
        ),
        Transition("stop", _("Dừng xử lý hồ sơ"), (S.PROCESSING, S.RECEIVED), S.STOPPED, "dossier.approve"),
        Transition(
            "withdraw",
            _("Rút hồ sơ theo yêu cầu của công dân"),
            (S.NEW_ONLINE, S.RECEIVED, S.PROCESSING, S.SUPPLEMENT_REQUESTED, S.FEE_REQUESTED),
            S.WITHDRAWN,
            "dossier.receive",
        ),
    ]
}

# Actions that are not status changes but are still checked against status and role.
ACTIONS_WITHOUT_STATUS_CHANGE = {
    "apologise": ((S.RECEIVED, S.PROCESSING, S.SUPPLEMENT_REQUESTED, S.FEE_REQUESTED, S.PROCESSED), "dossier.approve"),
    "attach_result": ((S.PROCESSING, S.PROCESSED), "dossier.process"),
    "assign": ((S.RECEIVED, S.PROCESSING), "dossier.approve|dossier.process"),
}


class TransitionError(Exception):
    """A transition that is not allowed now (wrong status, wrong role, a missing precondition).

    The message is Vietnamese and shown to the user as is (HTTP 409 or 400/403 via `status`).
    """

    def __init__(self, message: str, status: int = 409):
        super().__init__(message)
        self.message = message
        self.status = status


def allowed_sources(action: str) -> tuple[str, ...]:
    if action in TRANSITIONS:
        return TRANSITIONS[action].sources
    return ACTIONS_WITHOUT_STATUS_CHANGE[action][0]


def capability_for(action: str) -> str | None:
    if action in TRANSITIONS:
        return TRANSITIONS[action].capability
    return ACTIONS_WITHOUT_STATUS_CHANGE[action][1]


def user_may(user, action: str) -> bool:
    """True when the user's role holds one of the capabilities the action needs."""
    from antt.org.roles import can

    needed = capability_for(action)
    if needed is None:
        return True
    return any(can(user, cap) for cap in needed.split("|"))


def check(action: str, status: str, user=None, *, applicant: bool = False) -> None:
    """Raise TransitionError unless `action` may be done now by `user` (or by the applicant)."""
    if status not in allowed_sources(action):
        label = TRANSITIONS[action].label if action in TRANSITIONS else action
        raise TransitionError(
            f"Không thể thực hiện “{label}” khi hồ sơ đang ở trạng thái “{Status(status).label}”.", 409
        )
    if applicant:
        if capability_for(action) is not None:
            raise TransitionError("Thao tác này chỉ cán bộ có thẩm quyền được thực hiện.", 403)
        return
    if not user_may(user, action):
        raise TransitionError("Vai trò của bạn không được thực hiện thao tác này.", 403)


def actions_available(status: str, user) -> list[str]:
    """The actions this user could take on a dossier in `status` (for buttons)."""
    out = [a for a, t in TRANSITIONS.items() if status in t.sources and t.capability is not None and user_may(user, a)]
    out += [a for a, (src, _cap) in ACTIONS_WITHOUT_STATUS_CHANGE.items() if status in src and user_may(user, a)]
    return out


# What the one-stop desk that received a dossier for another unit still does on it: the
# intake (accept, ask for more before it is processed, refuse, hand over), the applicant's
# withdrawal, the fee at the counter and the return. The rest is the handling unit's work.
DESK_ACTIONS = frozenset({"accept", "refuse", "start", "withdraw", "return", "record_payment"})
DESK_SUPPLEMENT_STATUSES = (Status.NEW_ONLINE, Status.RECEIVED)


def may_act(user, dossier, action: str) -> bool:
    """Whether `user`'s place (not role: the workflow checks that) lets them take `action` on `dossier`.

    `visible_dossiers` lets an officer see a dossier of another unit that their desk received;
    seeing it does not make them its handlers: processing actions need the handling unit in
    the officer's scope.
    """
    if action in DESK_ACTIONS or (action == "request_supplement" and dossier.status in DESK_SUPPLEMENT_STATUSES):
        return True
    from antt.org.selectors import unit_is_visible

    return unit_is_visible(user, dossier.unit)
