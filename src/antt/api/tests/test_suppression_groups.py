"""Suppression across the rows of a group (`Rule.across`) against published group sums.

The rule under test is ho-so-theo-thang's own (`antt.api.opendata.DOSSIERS.rule`); the group sums
are those the portal's /so-lieu/ page publishes per (month, unit). A reader knows every count is
≥ 0, completed = early + on time + late and satisfied ≤ ratings in every row, and the sums; the
brute force below finds every value each hidden cell can take under all of that.
"""

from itertools import product

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from antt.api.opendata import DOSSIERS
from antt.api.suppression import FLAG_KEY, Rule, group_hidden, suppress_group, suppress_rows

RULE = DOSSIERS.rule
IDENTITY = ("linh_vuc", "ma_thu_tuc", "thu_tuc")
COUNTS = ("tiep_nhan", "da_giai_quyet", "truoc_han", "dung_han", "qua_han", "so_danh_gia", "hai_long")


def make_row(i: int, received, early, on_time, late, ratings, satisfied, unit: int = 1) -> dict:
    done = early + on_time + late
    return {
        "nhom": ("2026-03", unit),
        "don_vi": f"Đơn vị {unit}",
        "linh_vuc": "Cư trú",
        "ma_thu_tuc": f"T.{i}",
        "thu_tuc": f"Thủ tục {i}",
        "tiep_nhan": received,
        "da_giai_quyet": done,
        "truoc_han": early,
        "dung_han": on_time,
        "qua_han": late,
        "ty_le_dung_han": (early + on_time) / done if done else None,
        "so_danh_gia": ratings,
        "hai_long": satisfied,
        "ty_le_hai_long": satisfied / ratings if ratings else None,
    }


def _options(row: dict, cols: tuple[str, ...], cap: dict[str, int], check) -> list[tuple]:
    """Every assignment of the row's cells `cols` (published value, or 0..cap when hidden) that
    satisfies the row's own constraint `check`."""
    ranges = [range(cap[c] + 1) if row[c] is None else (row[c],) for c in cols]
    return [v for v in product(*ranges) if check(dict(zip(cols, v, strict=True)))]


def _possible(rows: list[dict], cols, sums, check) -> list[dict[str, set[int]]]:
    """For each row, {hidden column: the values it takes in some assignment of every hidden cell
    of the group consistent with the rows' constraints and the group sums}.

    `sums`: name → (function of a row's assignment, the published group sum)."""
    names = list(sums)
    target = tuple(sums[n][1] for n in names)
    cap = {c: max(t for n, t in zip(names, target, strict=True)) for c in cols}

    def contrib(assign: tuple) -> tuple:
        a = dict(zip(cols, assign, strict=True))
        return tuple(sums[n][0](a) for n in names)

    options = [[(o, contrib(o)) for o in _options(r, cols, cap, check)] for r in rows]

    def within(s):
        return all(x <= t for x, t in zip(s, target, strict=True))

    def add(a, b):
        return tuple(x + y for x, y in zip(a, b, strict=True))

    forward = [{tuple(0 for _ in names)}]
    for opts in options:
        forward.append({add(f, c) for f in forward[-1] for _, c in opts if within(add(f, c))})
    backward = [{tuple(0 for _ in names)}]
    for opts in reversed(options):
        backward.append({add(b, c) for b in backward[-1] for _, c in opts if within(add(b, c))})
    backward.reverse()
    out = []
    for k, opts in enumerate(options):
        reach = {
            tuple(t - x for t, x in zip(target, add(f, b), strict=True)) for f in forward[k] for b in backward[k + 1]
        }
        seen: dict[str, set[int]] = {c: set() for c in cols if rows[k][c] is None}
        for assign, c in opts:
            if c in reach:
                for col, v in zip(cols, assign, strict=True):
                    if col in seen:
                        seen[col].add(v)
        out.append(seen)
    return out


BLOCKS = (
    (("tiep_nhan",), {"received": lambda a: a["tiep_nhan"]}, lambda a: True),
    (
        ("da_giai_quyet", "truoc_han", "dung_han", "qua_han"),
        {
            "completed": lambda a: a["da_giai_quyet"],
            "in_time": lambda a: a["truoc_han"] + a["dung_han"],
            "late": lambda a: a["qua_han"],
        },
        lambda a: a["da_giai_quyet"] == a["truoc_han"] + a["dung_han"] + a["qua_han"],
    ),
    (
        ("so_danh_gia", "hai_long"),
        {"ratings": lambda a: a["so_danh_gia"], "satisfied": lambda a: a["hai_long"]},
        lambda a: a["hai_long"] <= a["so_danh_gia"],
    ),
)


def check_group(truth: list[dict], published: list[dict]) -> None:
    for cols, sums, check in BLOCKS:
        totals = {n: (f, sum(f(t) for t in truth)) for n, f in sums.items()}
        for t, p, seen in zip(truth, published, _possible(published, cols, totals, check), strict=True):
            for col, values in seen.items():
                assert t[col] in values, (col, t, p)
                # A row whose procedure is hidden may equal the sums; a hidden 0 may be found to be
                # 0 (it points to nobody: e.g. every row's early count is 0, so is their sum).
                if p["ma_thu_tuc"] is not None and t[col] != 0:
                    assert len(values) >= 2, f"{col} = {t[col]} is recoverable from {published}"


count = st.integers(min_value=0, max_value=6) | st.just(0)  # zeros often: they are the hard cases


@st.composite
def groups(draw):
    n = draw(st.integers(min_value=1, max_value=3))
    rows = []
    for i in range(n):
        early, on_time, late, ratings = draw(count), draw(count), draw(count), draw(count)
        satisfied = draw(st.integers(min_value=0, max_value=ratings))
        rows.append(make_row(i, draw(count), early, on_time, late, ratings, satisfied))
    return rows


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=groups(), min_cell=st.integers(min_value=2, max_value=5))
def test_no_hidden_count_is_recoverable_from_the_rows_and_the_group_sums(rows, min_cell):
    # when a group of rows is suppressed
    published = suppress_group(rows, RULE, min_cell)
    # then every small non-zero count is hidden, and a rate with any of its counts
    for t, p in zip(rows, published, strict=True):
        for col in COUNTS:
            if 0 < t[col] < min_cell:
                assert p[col] is None, col
        if any(p[c] is None for c in ("da_giai_quyet", "truoc_han", "dung_han", "qua_han")):
            assert p["ty_le_dung_han"] is None
        assert p[FLAG_KEY] == any(p[c] is None for c in (*COUNTS, *IDENTITY))
    # and no hidden count has a single value consistent with the rows and the published sums
    check_group(rows, published)
    # and the procedure is hidden only when the row stands alone in its group, or no other row
    # has room (a count pinned to 0 by a published 0)
    if len(rows) > 1 and all(r[c] for r in rows for c in COUNTS):
        assert all(p["ma_thu_tuc"] is not None for p in published)


def test_one_small_count_in_a_group_hides_the_smallest_other_non_zero_count():
    # given received 2, 0, 6 and 7 in four rows (the 0 would not hide the 2: 2 + 0 = the difference)
    rows = [make_row(i, r, 5, 5, 5, 5, 5) for i, r in enumerate((2, 0, 6, 7))]
    # when suppressed with 5
    hidden = group_hidden(rows, RULE, 5)
    # then the 2 and the 6 are hidden, nothing else (each row's other counts are 5)
    assert [h & {"tiep_nhan"} for h in hidden] == [{"tiep_nhan"}, set(), {"tiep_nhan"}, set()]
    assert [h - {"tiep_nhan"} for h in hidden] == [set()] * 4
    # and row by row (no group sums published) only the 2 would be
    within = Rule(people=RULE.people, groups=RULE.groups, depends=RULE.depends)
    assert [h & {"tiep_nhan"} for h in group_hidden(rows, within, 5)] == [{"tiep_nhan"}, set(), set(), set()]


def test_a_cell_hidden_for_one_sum_can_require_a_second_row_for_another():
    # given early 2 in row 0: within the row the smallest other part (late 6) goes too; the
    # group sum of late then has one hidden row, so row 1's late (the smallest, 7) goes too,
    # and within row 1 a second cell
    rows = [make_row(0, 9, 2, 9, 6, 9, 9), make_row(1, 9, 9, 9, 7, 9, 9), make_row(2, 9, 9, 9, 8, 9, 9)]
    hidden = group_hidden(rows, RULE, 5)
    assert {"truoc_han", "qua_han"} <= hidden[0]
    assert "qua_han" in hidden[1] and len(hidden[1] & {"da_giai_quyet", "truoc_han", "dung_han"}) >= 1
    check_group(rows, suppress_group(rows, RULE, 5))


def test_rows_of_different_groups_do_not_protect_each_other_and_stream_group_by_group():
    # given two units, each with one small received count among bigger ones
    rows = [make_row(i, r, 5, 5, 5, 5, 5, unit=1) for i, r in enumerate((1, 8, 9))]
    rows += [make_row(i, r, 5, 5, 5, 5, 5, unit=2) for i, r in enumerate((3, 6))]
    read = []

    def stream():
        for r in rows:
            read.append(r)
            yield r

    out = suppress_rows(stream(), RULE, 5)
    # then the first group comes out once its rows are read (and the first row of the next)
    first = [next(out) for _ in range(3)]
    assert len(read) == 4
    assert [r["tiep_nhan"] for r in first] == [None, None, 9]
    # and the second group is protected within itself
    assert [r["tiep_nhan"] for r in out] == [None, None]
