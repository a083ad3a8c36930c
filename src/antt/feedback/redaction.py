"""Personal data out of the published version of a feedback and its answer.

    propose_public(text, names=[...])        -> the text with personal data replaced by "[đã ẩn]"
    find_personal_data(text, names=[...])    -> what is still there (a publish is refused then)

One table of patterns (`PATTERNS`, tried in order, first match wins at a position): e-mail
addresses, dossier and feedback tracking codes (they lead to a person through the lookup),
vehicle plates, 9- and 12-digit ID numbers (CMND, CCCD), phone numbers (mobile and landline,
with or without +84, spaces, dots or dashes). Names are matched folded (case and diacritics
ignored, "Dang Thi Ngoc Huong" finds "Đặng Thị Ngọc Hường"): the full name, and for names of
three words or more the last two words (how people are addressed: "chị Ngọc Hường").

A helper, not a guarantee: the officer reads and edits the proposal; `find_personal_data` is
the last check before `handling.feedback_publish` makes the text public.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

MASK = "[đã ẩn]"

# (kind, Vietnamese label, pattern). Order matters: codes before ID numbers (their digits),
# ID numbers (contiguous 9/12 digits) before phones.
PATTERNS: list[tuple[str, str, re.Pattern]] = [
    ("email", "thư điện tử", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)),
    ("code", "mã hồ sơ, mã phản ánh", re.compile(r"(?<![\w.])(?:PAKN|[A-Z0-9]+(?:\.[A-Z0-9]+)*)-\d{6}-\d{4,}\b", re.I)),
    (
        "plate",
        "biển số xe",
        re.compile(
            r"(?<![\w.])\d{2}\s?-?\s?(?:M[ĐD]\d|[A-ZĐ]{1,2}\d?)\s?[-.]?\s?(?:\d{3}\.\d{2}|\d{4,5})(?![\w])",
            re.I,
        ),
    ),
    ("id_number", "số CMND/CCCD", re.compile(r"(?<![\d.])(?:\d{12}|\d{9})(?![\d])")),
    (
        "phone",
        "số điện thoại",
        re.compile(r"(?<![\d+])(?:\+84|84|0)[\s.\-]?\d(?:[\s.\-]?\d){7,9}(?!\d)"),
    ),
]

_WORD = r"[a-z0-9]"


@dataclass(frozen=True)
class Finding:
    """One piece of personal data found: its kind, the label to show, the text as written."""

    kind: str
    label: str
    text: str
    start: int
    end: int


def _fold_char(ch: str) -> str:
    if ch in "đĐ":
        return "d"
    base = "".join(c for c in unicodedata.normalize("NFD", ch) if unicodedata.category(c) != "Mn")
    base = base.lower()
    return base if len(base) == 1 else (base[:1] or " ")


def _fold_keep_length(text: str) -> str:
    """Fold character by character, one output character per input character (positions kept)."""
    return "".join(_fold_char(ch) for ch in text)


def _name_patterns(names: Iterable[str]) -> list[re.Pattern]:
    variants: set[tuple[str, ...]] = set()
    for name in names:
        words = _fold_keep_length(name or "").split()
        words = [w for w in words if re.fullmatch(r"[a-z0-9]+", w)]
        if not words:
            continue
        if len(words) >= 2 or len(words[0]) >= 4:
            variants.add(tuple(words))
        if len(words) >= 3:
            variants.add(tuple(words[-2:]))
    # Longest first so that the full name wins over its tail.
    ordered = sorted(variants, key=lambda ws: -sum(map(len, ws)))
    return [re.compile(rf"(?<!{_WORD})" + r"\s+".join(map(re.escape, ws)) + rf"(?!{_WORD})") for ws in ordered]


def find_personal_data(text: str, names: Iterable[str] = ()) -> list[Finding]:
    """Every piece of personal data in `text`, in reading order, without overlaps."""
    text = text or ""
    found: list[Finding] = []
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e in taken)

    folded = _fold_keep_length(text)
    for pattern in _name_patterns(names):
        for m in pattern.finditer(folded):
            if free(m.start(), m.end()):
                taken.append((m.start(), m.end()))
                found.append(Finding("name", "họ tên người gửi", text[m.start() : m.end()], m.start(), m.end()))
    for kind, label, pattern in PATTERNS:
        for m in pattern.finditer(text):
            if free(m.start(), m.end()):
                taken.append((m.start(), m.end()))
                found.append(Finding(kind, label, m.group(0), m.start(), m.end()))
    return sorted(found, key=lambda f: f.start)


def propose_public(text: str, names: Iterable[str] = ()) -> str:
    """`text` with every finding replaced by MASK (the officer edits the proposal before publishing)."""
    text = text or ""
    out, pos = [], 0
    for f in find_personal_data(text, names):
        out.append(text[pos : f.start])
        out.append(MASK)
        pos = f.end
    out.append(text[pos:])
    return "".join(out)


def describe(findings: list[Finding]) -> str:
    """ "số điện thoại, họ tên người gửi": the kinds found, each once, for an error message."""
    labels: list[str] = []
    for f in findings:
        if f.label not in labels:
            labels.append(f.label)
    return ", ".join(labels)
