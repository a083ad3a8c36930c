"""Small-count suppression of the open datasets (`antt.api.suppression`)."""

from itertools import product

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from antt.api.suppression import FLAG_KEY, Rule, hidden_cells, suppress

GROUPED = Rule(
    people=("total", "a", "b", "c"),
    groups=(("total", ("a", "b", "c")),),
    depends={"rate": ("total", "a", "b")},
)


def row(total, a, b, c):
    return {"total": total, "a": a, "b": b, "c": c, "rate": (a + b) / total if total else None}


@pytest.mark.parametrize(
    ("values", "min_cell", "hidden"),
    [
        # nothing small: nothing hidden
        (row(30, 10, 10, 10), 5, set()),
        # 0 stays 0 (it points to nobody)
        (row(20, 0, 10, 10), 5, set()),
        # one small part beside a published total: the smallest other non-zero part goes too
        (row(28, 3, 10, 15), 5, {"a", "b", "rate"}),
        # the 0 beside a hidden 1 is not the second cell (1 + 0 would give the 1 away)
        (row(21, 1, 0, 20), 5, {"a", "c", "rate"}),
        # two small parts: already two unknowns, no secondary suppression needed
        (row(24, 2, 2, 20), 5, {"a", "b", "rate"}),
        # a small total: its non-zero parts are small too
        (row(4, 1, 3, 0), 5, {"total", "a", "b", "rate"}),
        # a small total with a single non-zero part: two hidden cells, total and part
        (row(3, 0, 3, 0), 5, {"total", "b", "rate"}),
        # threshold: min_cell itself is published
        (row(15, 5, 5, 5), 5, set()),
        (row(15, 4, 5, 6), 5, {"a", "b", "rate"}),
        # another threshold
        (row(15, 4, 5, 6), 3, set()),
    ],
)
def test_hidden_cells(values, min_cell, hidden):
    assert hidden_cells(values, GROUPED, min_cell) == hidden


def test_suppress_sets_hidden_cells_to_null_and_the_flag():
    # given a row with a small cell
    values = row(28, 3, 10, 15)
    # when it is suppressed
    out = suppress(values, GROUPED, 5)
    # then the hidden cells are null, the others unchanged, and the row is flagged
    assert out == {"total": 28, "a": None, "b": None, "c": 15, "rate": None, FLAG_KEY: True}
    assert values["a"] == 3  # the input is not changed
    assert suppress(row(30, 10, 10, 10), GROUPED, 5)[FLAG_KEY] is False


def test_a_dependent_value_is_hidden_with_its_count():
    rule = Rule(people=("decisions",), depends={"fines": ("decisions",)})
    out = suppress({"decisions": 1, "fines": 7_500_000}, rule, 5)
    assert out == {"decisions": None, "fines": None, FLAG_KEY: True}
    assert suppress({"decisions": 6, "fines": 9}, rule, 5)[FLAG_KEY] is False


def test_a_hidden_cell_for_one_group_can_require_another_in_the_next():
    # given two groups sharing the cell "b": x = a + b and y = b + c
    rule = Rule(people=("x", "a", "b", "c", "y"), groups=(("x", ("a", "b")), ("y", ("b", "c"))))
    # when a is small: b is hidden for x; then y has exactly one hidden part, so c goes too
    hidden = hidden_cells({"x": 12, "a": 2, "b": 10, "c": 30, "y": 40}, rule, 5)
    assert hidden == {"a", "b", "c"}


# --- property: nothing hidden can be recovered from what is published ------------------------------


def _consistent_values(published: dict, parts: tuple[str, ...], bound: int) -> dict[str, set[int]]:
    """By brute force: for every hidden cell of the group total = sum(parts), every value it can
    take in an assignment of all hidden cells (each 0..bound) that satisfies the equation."""
    cells = ("total", *parts)
    hidden = [c for c in cells if published[c] is None]
    seen: dict[str, set[int]] = {c: set() for c in hidden}
    for guess in product(range(bound + 1), repeat=len(hidden)):
        values = {**published, **dict(zip(hidden, guess, strict=True))}
        if values["total"] == sum(values[p] for p in parts):
            for c, v in zip(hidden, guess, strict=True):
                seen[c].add(v)
    return seen


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    parts=st.lists(st.integers(min_value=0, max_value=12), min_size=1, max_size=3),
    min_cell=st.integers(min_value=2, max_value=6),
)
def test_no_suppressed_value_can_be_recovered_from_the_published_total(parts, min_cell):
    # given a row whose total is the sum of its parts, every cell a count of people
    names = tuple(f"p{i}" for i in range(len(parts)))
    values = {"total": sum(parts), **dict(zip(names, parts, strict=True))}
    rule = Rule(people=("total", *names), groups=(("total", names),))
    # when it is suppressed
    published = suppress(values, rule, min_cell)
    # then every small non-zero count is hidden
    for name, value in values.items():
        if 0 < value < min_cell:
            assert published[name] is None
    # and no hidden cell has a single value consistent with what is published
    bound = values["total"] + min_cell
    for cell, possible in _consistent_values(published, names, bound).items():
        assert values[cell] in possible
        assert len(possible) >= 2, f"{cell} is recoverable from {published}"
