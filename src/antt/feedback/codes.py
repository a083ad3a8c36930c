"""Tracking codes of feedback: `PAKN-<yymmdd>-<NNNN>`, one gap-free counter per day.

The number comes from `core.sequences.next_value("feedback", period=yymmdd)` inside the
intake's transaction, so a rolled-back submission returns its number. The day is the local
(Asia/Ho_Chi_Minh) calendar day of receipt. Past 9,999 a day the sequence widens.
"""

from __future__ import annotations

import re
from datetime import datetime

from django.utils import timezone

from antt.core.sequences import next_value

PREFIX = "PAKN"
CODE_RE = re.compile(r"^PAKN-\d{6}-\d{4,}$")


def format_code(day, seq: int) -> str:
    return f"{PREFIX}-{day:%y%m%d}-{seq:04d}"


def next_code(received_at: datetime) -> str:
    """The next code of the receipt day; must run inside the transaction that saves the feedback."""
    day = timezone.localtime(received_at).date()
    return format_code(day, next_value("feedback", period=f"{day:%y%m%d}"))


def normalise(code: str) -> str:
    """What a citizen typed → the stored form: trimmed, upper case, no inner spaces."""
    return re.sub(r"\s+", "", str(code or "")).upper()[:40]


def looks_valid(code: str) -> bool:
    return bool(CODE_RE.match(code or ""))
