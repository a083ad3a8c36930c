"""Small-count suppression of the open datasets (issue 7 point 3; contract "Definitions").

A count of people between 1 and `min_cell - 1` (`Dataset.min_cell`, 5 by default) could point to
a person: it is published as null and the row's flag column ("bị ẩn") is true. 0 stays 0 (it
points to nobody). This is *primary* suppression.

What else a row publishes could give a hidden count back, so three more rules apply, within the
row (the open datasets publish no total rows: every row is one cell of the table, and within a
dataset the totals that matter are the row's own, e.g. "completed = early + on time + late";
sums published elsewhere, over several rows, are the "across rows" rules below):

* **dependent values** (`depends`): a figure computed from hidden counts is hidden with them —
  the fines of a single decision, the guest-nights of two guests, a rate whose numerator or
  denominator is hidden;
* **secondary suppression** (`groups`: `(total, parts)` with total = sum of parts): the reader
  knows every hidden value is ≥ 0 and that the parts add up to the total; with exactly one hidden
  cell in a group (a hidden part and its published total, or a hidden total whose parts are all
  published) that cell is the difference of published figures, so one more cell is hidden: the
  smallest published part that is not 0 (a 0 beside a hidden 1 would give it away: 1 + 0 = the
  difference), else the smallest published part, else the total. With two or more hidden cells
  in one equation each of them can be anything from 0 to their published difference, so none is
  recoverable; the loop runs until every group has 0 or ≥ 2 hidden cells (a cell hidden for one
  group may make another group need a second one);
* the flag does not say why a cell is hidden (primary or secondary), so a reader cannot tell a
  hidden 2 from a hidden 40.

**Across rows** (`group_by`, `across`): another page may publish the sum of a column over a group
of rows (the portal's /so-lieu/ publishes, per month and unit, the dossiers received, completed,
completed early or on time, and the ratings and the satisfaction rate, i.e. the satisfied ratings).
With exactly one row of the group whose value of that column (or sum of columns, `across` entry)
is unknown, that value is the published sum less the published rows. So, group by group (the rows
arrive sorted by `group_by`; one group is in memory at a time):

* a row's value of an `across` entry is *unknown* when one of its columns is hidden and the sum
  cannot be read back from the row itself (a group `(total, parts)` whose parts hold the entry,
  with every other cell published, gives it back);
* with exactly one row unknown, one more row is made unknown: the one with the smallest non-zero
  value (else the smallest), skipping rows whose value a published 0 pins to 0 (a 0 total or
  `bounds` whole: "satisfied ≤ ratings"); in it the smallest non-zero published column of the entry
  is hidden, and when the row still gives the sum back, a cell of that row equation outside the
  entry too; the within-row rules run again on that row; and the whole loop runs until every
  entry has 0 or ≥ 2 unknown rows in every group;
* a group where that is impossible (one row only, or no other row with room) cannot be protected
  by hiding counts: the row *is* the published sum. Its `identity` columns (the procedure) are
  hidden instead, so the sum is not tied to a procedure (the /so-lieu/ page already publishes it
  for the unit).

Why "0 or ≥ 2 unknown rows" is enough for ho-so-theo-thang: per group the equations are
completed = (early + on time) + late in every row, and the group sums of completed, of
early + on time and (their difference) of late: a two-way table with three columns and margins.
A hidden cell is determined by such equations exactly when it is a bridge of the bipartite graph of
hidden cells; with every row and column node of degree 0 or ≥ 2 each side of a bridge would hold a
cycle, i.e. two columns of its own, four in all, and there are three. The received count and the
ratings are one equation each. `tests/test_suppression_groups.py` checks it by brute force, with
non-negativity and the bounds: no hidden non-zero count has a single consistent value. A hidden 0
can be found to be 0 (when a group sum is 0, every row's value is): it points to nobody.

`tests/test_suppression.py` checks with hypothesis, by brute force over every assignment of the
hidden cells, that no hidden value is the only one consistent with what is published.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from operator import itemgetter

FLAG_KEY = "bi_an"
FLAG_TITLE = "Có số liệu bị ẩn"


@dataclass(frozen=True)
class Rule:
    """What to suppress in the rows of one dataset.

    `people`: the columns that count people (primary suppression); `groups`: `(total, parts)`
    with total = sum(parts) in every row; `depends`: column → the columns it is computed from
    (hidden when any of them is). Across rows: `group_by` (row keys, not published, that make the
    group whose sums are published elsewhere; the rows arrive sorted by them), `across` (the
    columns, or sums of columns, whose group sums are published), `bounds` (`(part, whole)` with
    part ≤ whole in every row) and `identity` (the columns hidden when a group cannot be protected).
    """

    people: tuple[str, ...] = ()
    groups: tuple[tuple[str, tuple[str, ...]], ...] = ()
    depends: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    group_by: tuple[str, ...] = ()
    across: tuple[tuple[str, ...], ...] = ()
    bounds: tuple[tuple[str, str], ...] = ()
    identity: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.people


def is_small(value, min_cell: int) -> bool:
    return value is not None and 0 < value < min_cell


def _smallest(keys: Sequence[str], values: Mapping, order: Sequence[str]) -> str | None:
    """The key of the smallest non-zero value, else of the smallest value (ties: column order)."""
    nonzero = [k for k in keys if values.get(k)]
    return min(nonzero or keys, key=lambda k: (values.get(k) or 0, order.index(k)), default=None)


def _close(values: Mapping, hidden: set[str], rule: Rule) -> None:
    """Secondary suppression within the row: until every group has 0 or ≥ 2 hidden cells."""
    changed = bool(hidden)
    while changed:
        changed = False
        for total, parts in rule.groups:
            cells = (total, *parts)
            if sum(1 for c in cells if c in hidden) != 1:
                continue
            pick = _smallest([p for p in parts if p not in hidden], values, parts)
            hidden.add(pick if pick is not None else total)
            changed = True


def _primary(values: Mapping, rule: Rule, min_cell: int) -> set[str]:
    hidden = {key for key in rule.people if is_small(values.get(key), min_cell)}
    _close(values, hidden, rule)
    return hidden


def _dependents(hidden: set[str], rule: Rule) -> None:
    for key, sources in rule.depends.items():
        if any(s in hidden for s in sources):
            hidden.add(key)


def hidden_cells(values: Mapping[str, int | float | None], rule: Rule, min_cell: int) -> set[str]:
    """The columns of one row to publish as null (primary, then secondary, then dependent)."""
    hidden = _primary(values, rule, min_cell)
    _dependents(hidden, rule)
    return hidden


# --- across the rows of a group ---------------------------------------------------------------------


def _derivers(combo: tuple[str, ...], rule: Rule):
    """The row equations that give the sum of `combo` back: (total, parts) with combo ⊆ parts."""
    return [(t, ps) for t, ps in rule.groups if set(combo) <= set(ps)]


def is_unknown(values: Mapping, hidden: set[str], combo: tuple[str, ...], rule: Rule) -> bool:
    """Whether the row's sum of `combo` can not be read from its published cells."""
    if not any(c in hidden for c in combo):
        return False
    return all(any(c in hidden for c in (t, *ps) if c not in combo) for t, ps in _derivers(combo, rule))


def _pinned(values: Mapping, hidden: set[str], combo: tuple[str, ...], rule: Rule) -> bool:
    """Every column of `combo` is 0 and a published 0 (a group total or a bound) says so."""

    def pinned(col: str) -> bool:
        wholes = [t for t, ps in rule.groups if col in ps] + [w for p, w in rule.bounds if p == col]
        return any(w not in hidden and values.get(w) == 0 for w in wholes)

    return all(pinned(c) for c in combo)


def _make_unknown(values: Mapping, hidden: set[str], combo: tuple[str, ...], rule: Rule) -> None:
    published = [c for c in combo if c not in hidden]
    if published:
        hidden.add(_smallest(published, values, combo))
    for total, parts in _derivers(combo, rule):
        if not is_unknown(values, hidden, combo, rule):
            others = [p for p in parts if p not in combo and p not in hidden]
            pick = _smallest(others, values, parts)
            hidden.add(pick if pick is not None else total)
    _close(values, hidden, rule)


def group_hidden(rows: Sequence[Mapping], rule: Rule, min_cell: int) -> list[set[str]]:
    """The hidden columns of every row of one group (within the rows, then across them)."""
    hidden = [_primary(r, rule, min_cell) for r in rows]
    changed = True
    while changed:
        changed = False
        for combo in rule.across:
            unknown = [i for i, r in enumerate(rows) if is_unknown(r, hidden[i], combo, rule)]
            if len(unknown) != 1:
                continue
            room = [
                i for i, r in enumerate(rows) if i != unknown[0] and not _pinned(r, hidden[i], combo, rule)
            ]  # fmt: skip
            if not room:
                continue
            values = {i: sum(rows[i].get(c) or 0 for c in combo) for i in room}
            pick = min(room, key=lambda i: (values[i] == 0, values[i], i))
            _make_unknown(rows[pick], hidden[pick], combo, rule)
            changed = True
    for combo in rule.across:
        unknown = [i for i, r in enumerate(rows) if is_unknown(r, hidden[i], combo, rule)]
        if len(unknown) == 1:  # nothing else could be hidden: the row is the published sum
            hidden[unknown[0]].update(rule.identity)
    for h in hidden:
        _dependents(h, rule)
    return hidden


def _apply(values: Mapping, hidden: set[str]) -> dict:
    out = dict(values)
    for key in hidden:
        out[key] = None
    out[FLAG_KEY] = bool(hidden)
    return out


def suppress(values: dict, rule: Rule, min_cell: int) -> dict:
    """`values` with the hidden cells set to None and the flag column set (a new dict)."""
    return _apply(values, hidden_cells(values, rule, min_cell) if not rule.empty else set())


def suppress_group(rows: Sequence[dict], rule: Rule, min_cell: int) -> list[dict]:
    """The rows of one group, suppressed within and across the rows (new dicts)."""
    if rule.empty:
        return [_apply(r, set()) for r in rows]
    return [_apply(r, h) for r, h in zip(rows, group_hidden(rows, rule, min_cell), strict=True)]


def suppress_rows(rows: Iterable[dict], rule: Rule, min_cell: int) -> Iterable[dict]:
    """Lazily suppress a stream of rows: one row in memory at a time, or one group when the rule
    suppresses across rows (the rows must arrive sorted by `rule.group_by`)."""
    if not (rule.across and rule.group_by):
        for row in rows:
            yield suppress(row, rule, min_cell)
        return
    key = itemgetter(*rule.group_by)
    for _, group in groupby(rows, key=key):
        yield from suppress_group(list(group), rule, min_cell)


def group_is_safe(published: Sequence[int | None]) -> bool:
    """A group (total first, then parts) as published is safe when 0 or ≥ 2 of its cells are null."""
    return sum(1 for v in published if v is None) != 1
