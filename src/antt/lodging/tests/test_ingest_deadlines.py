"""Deadlines of declarations from the `DeadlineRule` rows of `lodging/data/rules.yaml`: the 23:00 /
08:00 rule for Vietnamese guests, foreigners before and after 24/07/2026, remote communes, and
an administrator's change of a row."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import yaml

from antt.lodging import deadlines
from antt.lodging.errors import LodgingError
from antt.lodging.loaders import DATA_DIR
from antt.lodging.models import DeadlineRule

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def rules():
    data = yaml.safe_load((DATA_DIR / "rules.yaml").read_text(encoding="utf-8"))
    made = [DeadlineRule.objects.create(**row) for row in data["deadline_rules"]]
    yield made
    deadlines.invalidate()


def at(y, mo, d, h, mi=0):
    return datetime(y, mo, d, h, mi, tzinfo=VN)


@pytest.mark.parametrize(
    ("arrival", "due"),
    [
        (at(2026, 8, 10, 22, 59), at(2026, 8, 10, 23, 0)),
        (at(2026, 8, 10, 23, 0), at(2026, 8, 11, 8, 0)),
        (at(2026, 8, 10, 23, 45), at(2026, 8, 11, 8, 0)),
        (at(2026, 8, 11, 0, 30), at(2026, 8, 11, 23, 0)),
        (at(2026, 8, 11, 7, 59), at(2026, 8, 11, 23, 0)),
        (at(2026, 12, 31, 23, 10), at(2027, 1, 1, 8, 0)),
        (at(2025, 3, 1, 10, 0), at(2025, 3, 1, 23, 0)),  # the same rule before Luật 118/2025
    ],
)
def test_vietnamese_guests_cutoff_23_or_08_next_day(rules, arrival, due):
    assert deadlines.due_at(arrival, foreigner=False) == due


def test_the_cutoff_is_in_vietnam_time_whatever_the_arrival_zone(rules):
    # 16:30 UTC is 23:30 in Vietnam: due 08:00 next day (Vietnam)
    arrival = datetime(2026, 8, 10, 16, 30, tzinfo=ZoneInfo("UTC"))
    assert deadlines.due_at(arrival, foreigner=False) == at(2026, 8, 11, 8, 0)


def test_due_is_returned_in_utc(rules):
    due = deadlines.due_at(at(2026, 8, 10, 9, 0), foreigner=False)
    assert due.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("arrival", "remote", "due"),
    [
        # TT 53/2016 (until 23/07/2026): 12 hours, 24 in remote areas
        (at(2026, 7, 23, 20, 0), False, at(2026, 7, 24, 8, 0)),
        (at(2026, 7, 23, 20, 0), True, at(2026, 7, 24, 20, 0)),
        # TT 87/2026 (from 24/07/2026): on arrival, flagged after the 120-minute grace; remote 24 h
        (at(2026, 7, 24, 0, 0), False, at(2026, 7, 24, 2, 0)),
        (at(2026, 8, 10, 22, 30), False, at(2026, 8, 11, 0, 30)),
        (at(2026, 8, 10, 22, 30), True, at(2026, 8, 11, 22, 30)),
    ],
)
def test_foreigners_before_and_after_24_july_2026(rules, arrival, remote, due):
    assert deadlines.due_at(arrival, foreigner=True, remote=remote) == due


def test_an_administrators_change_of_the_rule_changes_the_result(rules):
    # given the rule for foreigners from 24/07/2026, and a due time computed with it (cached)
    arrival = at(2026, 8, 10, 10, 0)
    assert deadlines.due_at(arrival, foreigner=True) == at(2026, 8, 10, 12, 0)
    rule = DeadlineRule.objects.get(guest_kind="foreigner", valid_from="2026-07-24")
    # when an administrator sets 12 hours without grace in the admin (a save)
    rule.within_hours, rule.grace_minutes = 12, 0
    rule.save()
    # then
    assert deadlines.due_at(arrival, foreigner=True) == at(2026, 8, 10, 22, 0)


def test_an_administrators_new_cutoff_row_applies_from_its_date(rules):
    # given a new Vietnamese rule from 01/09/2026 with a 22:00 cut-off
    DeadlineRule.objects.create(
        guest_kind="vietnamese", method="cutoff", cutoff_hour=22, next_day_hour=7, valid_from="2026-09-01",
        legal_basis="thử nghiệm",
    )  # fmt: skip
    # then arrivals from that day follow it, earlier ones the old rule
    assert deadlines.due_at(at(2026, 9, 1, 22, 10), foreigner=False) == at(2026, 9, 2, 7, 0)
    assert deadlines.due_at(at(2026, 8, 31, 22, 10), foreigner=False) == at(2026, 8, 31, 23, 0)


def test_no_rule_in_force_is_a_clear_refusal(rules):
    with pytest.raises(LodgingError) as exc:
        deadlines.due_at(at(2010, 1, 1, 10, 0), foreigner=False)
    assert exc.value.status == 422 and exc.value.field == "arrived_at"


def test_rules_can_be_passed_in(rules):
    only = [
        DeadlineRule(
            guest_kind="vietnamese",
            method="cutoff",
            cutoff_hour=20,
            next_day_hour=6,
            valid_from=at(2000, 1, 1, 0).date(),
        )
    ]
    assert deadlines.due_at(at(2026, 8, 10, 21, 0), foreigner=False, rules=only) == at(2026, 8, 11, 6, 0)


def test_naive_arrival_is_refused(rules):
    with pytest.raises(ValueError):
        deadlines.due_at(datetime(2026, 8, 10, 10), foreigner=False)


@pytest.mark.parametrize(("minutes", "late"), [(-1, False), (0, False), (1, True)])
def test_is_late_after_the_due_moment(minutes, late):
    due = at(2026, 8, 10, 23, 0)
    assert deadlines.is_late(due + timedelta(minutes=minutes), due) is late


def test_remote_commune_is_read_from_the_table(rules):
    from antt.lodging.models import RemoteCommune
    from antt.org.models import AdminArea

    area = AdminArea.objects.create(
        scheme=AdminArea.Scheme.CURRENT, code="99901", name="Xã Na Mèo", level=AdminArea.Level.COMMUNE
    )
    assert not deadlines.is_remote(area.pk)
    RemoteCommune.objects.create(area=area, legal_basis="Quyết định thử nghiệm")
    assert deadlines.is_remote(area.pk)
    assert not deadlines.is_remote(None)
