"""A data set built to match appendix 9 of the seed (`violations-2019.csv`), row by row.

`appendix9_rows(units)` yields import rows (one per decision, the template's columns) whose
aggregation reproduces exactly each row of the CSV: distinct cases, decisions, distinct
violators, amount fined, amount paid, seized items, licences suspended. Empty cells of the
CSV (the licences of the first two rows) are taken as 0: the table cannot tell "not given"
from "none" once it is computed from decisions.

How each row is reached, deterministically (no randomness):
* cases: C references; each case has one decision, the D − C extra decisions go to the first
  cases one each (round robin), so every case has at least one decision;
* violators: one fresh person per decision (a 12-digit personal ID born in Thanh Hóa, 038);
  when V > D the first V − D decisions get a second violator (one decision for several
  violators, Luật XLVPHC Art. 67(1)); when V < D the last D − V decisions reuse the person of an
  earlier decision of the same row (the same person fined twice counts once); in the
  groups where businesses are fined, every fourth decision is an organisation with a valid
  tax code instead;
* amounts, in thousands of đồng: the fine is split evenly (the remainder one thousand at a
  time to the first decisions); the paid amount fills the decisions in order, fully paid
  until it runs out, one partial payment, then unpaid ones — so paid <= fined in every row;
* seized items and licences: spread evenly over the decisions;
* dates: spread over 2019 in case order; units: round robin over the given unit slugs by case.

Every key is unique across rows, so the table's totals (distinct over the whole selection)
are the sums of its rows.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

# A copy of `../shared/seed/violations-2019.csv` ships in the app so that a clean clone has it.
SEED = Path(__file__).resolve().parents[2] / "data" / "seed-violations-2019.csv"
YEAR = 2019
_TAX_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)
# Stat groups whose violators are often businesses (conditional business, environment, ...).
ORGANISATION_GROUPS = {"1.3", "6", "7", "8", "9", "10"}
COLUMNS = (
    "ma_vu_viec",
    "so_quyet_dinh",
    "ngay_quyet_dinh",
    "don_vi",
    "doi_tuong",
    "nhom_thong_ke",
    "tien_phat",
    "tien_da_nop",
    "tang_vat",
    "giay_phep_bi_tuoc",
    "bien_so",
)


@dataclass(frozen=True)
class SeedRow:
    code: str  # the StatGroup code: "1.1".."1.6", "2.1".."2.3", "3".."10"
    field_no: int
    field_name: str
    group_name: str
    cases: int
    decisions: int
    violators: int
    fined: int
    paid: int
    seized: int
    licences: int


def seed_rows(path: Path = SEED) -> list[SeedRow]:
    """The CSV's rows with their StatGroup codes (the n-th behaviour group of field f is "f.n")."""
    out, per_field = [], {}
    with path.open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            field_no = int(r["group_no"])
            group = (r["behaviour_group"] or "").strip()
            if group:
                per_field[field_no] = per_field.get(field_no, 0) + 1
                code = f"{field_no}.{per_field[field_no]}"
            else:
                code = str(field_no)

            def n(key, r=r):
                return int(r[key]) if (r[key] or "").strip() else 0

            out.append(
                SeedRow(
                    code=code,
                    field_no=field_no,
                    field_name=r["group"],
                    group_name=group,
                    cases=n("cases"),
                    decisions=n("decisions"),
                    violators=n("violators"),
                    fined=n("fine_amount_vnd"),
                    paid=n("paid_to_budget_vnd"),
                    seized=n("seized_items_vehicles"),
                    licences=n("licences_revoked"),
                )
            )
    return out


def _spread(total: int, n: int, unit: int = 1) -> list[int]:
    q, r = divmod(total // unit, n)
    return [(q + (1 if i < r else 0)) * unit for i in range(n)]


def tax_code(serial: int) -> str:
    """A valid 10-digit tax code with Thanh Hóa's prefix 28, one per serial (< 1,000,000): the
    ninth digit is the first that does not make the check digit 10."""
    for ninth in range(10):
        body = f"28{serial:06d}{ninth}"
        check = 10 - sum(w * int(d) for w, d in zip(_TAX_WEIGHTS, body, strict=True)) % 11
        if check < 10:
            return body + str(check)
    raise AssertionError(serial)


def personal_id(serial: int) -> str:
    """A well-formed personal ID: province 038, a man born in 1985 (+ the serial's millions)."""
    year = 85 + serial // 1_000_000
    return f"0380{year:02d}{serial % 1_000_000:06d}"


def plate(serial: int) -> str:
    return f"36A{10000 + serial % 90000:05d}" if serial % 3 == 0 else f"36B1{10000 + serial % 90000:05d}"


def appendix9_rows(unit_slugs: list[str], *, rows: list[SeedRow] | None = None) -> Iterator[dict]:
    """The import rows (dicts of the template's columns) matching the seed table."""
    rows = rows if rows is not None else seed_rows()
    person = organisation = decision_no = case_no = 0
    for seed in rows:
        c, d, v = seed.cases, seed.decisions, seed.violators
        unit = 1000 if seed.fined % 1000 == 0 and seed.paid % 1000 == 0 else 1
        fines = _spread(seed.fined, d, unit)
        paid_left = seed.paid
        seized = _spread(seed.seized, d)
        licences = _spread(seed.licences, d)
        extra_decisions = d - c
        second_violator = max(v - d, 0)
        reused = max(d - v, 0)
        keys_of: list[str] = []
        first_day = date(YEAR, 1, 1)
        days = (date(YEAR + 1, 1, 1) - first_day).days
        i = 0
        for k in range(c):
            case_no += 1
            case_ref = f"VV{YEAR}-{seed.code}-{k + 1:06d}"
            on = first_day + timedelta(days=k * days // c)
            slug = unit_slugs[case_no % len(unit_slugs)]
            n_decisions = 1 + (1 if k < extra_decisions else 0)
            if extra_decisions > c:  # not needed by the seed; keeps the builder general
                n_decisions = 1 + extra_decisions // c + (1 if k < extra_decisions % c else 0)
            for _ in range(n_decisions):
                decision_no += 1
                if i >= d - reused and keys_of:
                    keys = [keys_of[(i - (d - reused)) % len(keys_of)]]  # the same person again
                elif seed.code in ORGANISATION_GROUPS and i % 4 == 3:
                    organisation += 1
                    keys = [tax_code(organisation)]
                else:
                    person += 1
                    keys = [personal_id(person)]
                    if i < second_violator:
                        person += 1
                        keys.append(personal_id(person))
                keys_of.append(keys[0])
                paid = min(fines[i], paid_left)
                paid_left -= paid
                yield {
                    "ma_vu_viec": case_ref,
                    "so_quyet_dinh": f"{decision_no:06d}/QĐ-XPVPHC",
                    "ngay_quyet_dinh": on.strftime("%d/%m/%Y"),
                    "don_vi": slug,
                    "doi_tuong": ";".join(keys),
                    "nhom_thong_ke": seed.code,
                    "tien_phat": str(fines[i]),
                    "tien_da_nop": str(paid),
                    "tang_vat": str(seized[i]) if seized[i] else "",
                    "giay_phep_bi_tuoc": str(licences[i]) if licences[i] else "",
                    "bien_so": plate(decision_no) if seed.field_no == 4 and decision_no % 2 else "",
                }
                i += 1
        assert i == d and paid_left == 0, seed


def write_csv(path: Path, unit_slugs: list[str], rows: list[SeedRow] | None = None) -> int:
    """Write the data set as an import file; the number of data rows."""
    n = 0
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        for row in appendix9_rows(unit_slugs, rows=rows):
            writer.writerow(row)
            n += 1
    return n
