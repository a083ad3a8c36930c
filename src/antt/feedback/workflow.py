"""The state machine of feedback (phản ánh, kiến nghị): the allowed transitions, in one place.

    received ──accept──▶ accepted ──answer──▶ answered ──close──▶ closed
        │   └─refuse──▶ not_accepted             ▲  (publish: a flag on answered/closed)
        ▼                                        │
    suspected_spam ──release──▶ received     accepted ──transfer──▶ accepted (another unit)
        └─refuse──▶ not_accepted

`suspected_spam` is set by the intake's abuse checks; nothing is deleted: an officer releases
the item or refuses it. Each transition is one function of `feedback.handling`, which checks
`allowed()` first, writes a `FeedbackEvent` and an audit entry in the same transaction.
"""

from __future__ import annotations

from antt.feedback.models import FeedbackState as S

TRANSITIONS: dict[str, dict[str, str]] = {
    # action: {from_state: to_state}
    "accept": {S.RECEIVED: S.ACCEPTED},
    "refuse": {S.RECEIVED: S.NOT_ACCEPTED, S.SUSPECTED_SPAM: S.NOT_ACCEPTED},
    "release": {S.SUSPECTED_SPAM: S.RECEIVED},
    "transfer": {S.ACCEPTED: S.ACCEPTED, S.RECEIVED: S.RECEIVED},
    "answer": {S.ACCEPTED: S.ANSWERED},
    "close": {S.ANSWERED: S.CLOSED},
}

# States in which the answer may be published (or unpublished).
PUBLISHABLE = (S.ANSWERED, S.CLOSED)
# States still waiting for the police (count against the legal time).
OPEN_STATES = (S.RECEIVED, S.SUSPECTED_SPAM, S.ACCEPTED)


class TransitionError(ValueError):
    """Not allowed from the current state; the message is Vietnamese, for the officer."""


def target(action: str, state: str) -> str:
    """The state after `action` from `state`, or TransitionError."""
    to = TRANSITIONS.get(action, {}).get(state)
    if to is None:
        raise TransitionError(
            f"Không thể thực hiện thao tác này khi phản ánh, kiến nghị đang ở trạng thái “{S(state).label}”."
        )
    return to


def allowed(action: str, state: str) -> bool:
    return state in TRANSITIONS.get(action, {})
