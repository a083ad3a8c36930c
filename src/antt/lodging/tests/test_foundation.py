"""The foundation: the rules load, ids are unique and ascending, a declaration is written and
read back on both databases (partitioned on PostgreSQL)."""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from antt.lodging import ids
from antt.lodging.loaders import load_rules
from antt.lodging.models import Country, DeadlineRule, Declaration, DocumentType
from antt.lodging.tests.factories import lodging_world, make_declaration

pytestmark = pytest.mark.django_db


def test_rules_load_twice_without_change():
    first = load_rules()
    second = load_rules()
    assert sum(c["created"] for c in first.values()) > 250
    assert all(c["created"] == 0 and c["updated"] == 0 for c in second.values())
    assert Country.objects.get(code="VNM").name == "Việt Nam"
    assert Country.objects.get(code="D").stats_code == "DEU"
    assert DocumentType.objects.get(code="CCCD").number_pattern == "^[0-9]{12}$"
    assert DeadlineRule.objects.filter(guest_kind="vietnamese", cutoff_hour=23, next_day_hour=8).exists()


def test_ids_are_unique_and_ascending():
    with transaction.atomic():
        a = ids.allocate(3)
        b = ids.allocate(2)
    assert a == sorted(a) and len(set(a + b)) == 5 and min(b) > max(a)


def test_declaration_round_trip_on_any_database():
    w = lodging_world()
    old = make_declaration(w.hotel, arrived_at=timezone.now() - timedelta(days=400))
    new = make_declaration(w.hotel_b, full_name="Trần Thị Bình")
    assert Declaration.objects.get(pk=new.pk).name_folded == "tran thi binh"
    assert set(Declaration.objects.filter(stay_id__in=[old.pk, new.pk]).values_list("pk", flat=True)) == {
        old.pk,
        new.pk,
    }


@pytest.mark.skipif(connection.vendor != "postgresql", reason="partitions exist only on PostgreSQL")
def test_declarations_are_partitioned_by_month_on_postgresql():
    w = lodging_world()
    d = make_declaration(w.hotel)
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM lodging_declaration WHERE id = %s", [d.pk])
        (partition,) = cursor.fetchone()
    assert partition == f"lodging_declaration_{d.arrived_at:%Y%m}"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the append-only trigger exists only on PostgreSQL")
def test_the_database_refuses_to_edit_or_delete_what_was_declared():
    from django.db import DatabaseError

    from antt.lodging.partitions import ledger_maintenance

    w = lodging_world()
    d = make_declaration(w.hotel)
    for change in (
        {"full_name": "Người Khác"},
        {"arrived_at": d.arrived_at - timedelta(days=1)},
        {"kind": "departure"},
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            Declaration.objects.filter(pk=d.pk).update(**change)
    with pytest.raises(DatabaseError), transaction.atomic():
        Declaration.objects.filter(pk=d.pk)._raw_delete("default")
    # what may change: the state of the stay, and the anonymisation (all at once)
    Declaration.objects.filter(pk=d.pk).update(is_current=False, state="departed", departed_at=timezone.now())
    Declaration.objects.filter(pk=d.pk).update(
        full_name="", name_folded="", doc_number="", anonymised_at=timezone.now()
    )
    with pytest.raises(DatabaseError), transaction.atomic():  # and never back
        Declaration.objects.filter(pk=d.pk).update(full_name="Nguyễn Văn An")
    with transaction.atomic():
        ledger_maintenance()
        assert Declaration.objects.filter(pk=d.pk)._raw_delete("default") == 1
