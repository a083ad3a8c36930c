from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from antt.catalog.models import Field, Procedure
from antt.catalog.selectors import procedure_search, version_in_force
from antt.catalog.services import procedure_create, procedure_version_publish, procedure_withdraw
from antt.core.models import AuditEvent


@pytest.fixture
def procedure(db):
    field = Field.objects.create(slug="cu-tru", name="Đăng ký, quản lý cư trú", appendix=8)
    return procedure_create(actor=None, field=field, code="9.999999", name="Đăng ký thử nghiệm")


def publish(procedure, valid_from, days=3, **kwargs):
    return procedure_version_publish(
        actor=None,
        procedure=procedure,
        valid_from=valid_from,
        legal_time_amount=days,
        legal_time_unit="working_days",
        levels=["commune"],
        **kwargs,
    )


def test_publishing_a_new_version_closes_the_previous_one(procedure):
    # given
    old = publish(procedure, date(2024, 1, 1), days=3)
    # when
    new = publish(procedure, date(2025, 7, 1), days=2)
    # then
    old.refresh_from_db()
    assert old.valid_to == date(2025, 6, 30)
    assert new.valid_to is None
    assert version_in_force(procedure, on=date(2025, 6, 30)) == old
    assert version_in_force(procedure, on=date(2025, 7, 1)) == new
    assert version_in_force(procedure, on=date(2023, 12, 31)) is None
    assert AuditEvent.objects.filter(object_type="catalog.procedureversion", object_id=str(old.pk)).count() == 2


def test_publishing_before_the_latest_version_is_refused(procedure):
    # given
    publish(procedure, date(2025, 1, 1))
    # when / then
    with pytest.raises(ValidationError, match="phải sau ngày áp dụng"):
        publish(procedure, date(2024, 1, 1))


def test_steps_not_20_percent_below_the_legal_time_are_refused_in_vietnamese(procedure):
    # given 3 working days = 24 working hours, so at most 19.2 hours of steps
    steps = [
        {"name": "Tiếp nhận", "role": "receptionist", "budget_hours": 2},
        {"name": "Xử lý", "role": "processor", "budget_hours": 18},
    ]
    # when / then
    with pytest.raises(ValidationError, match="vượt quá 80% thời hạn"):
        publish(procedure, date(2025, 1, 1), steps=steps)
    assert procedure.versions.count() == 0


def test_steps_within_the_target_are_saved_with_their_total(procedure):
    # given
    steps = [
        {"name": "Tiếp nhận", "role": "receptionist", "budget_hours": 2},
        {"name": "Xử lý", "role": "processor", "budget_hours": "17.2"},
    ]
    # when
    version = publish(procedure, date(2025, 1, 1), steps=steps)
    # then
    assert version.internal_target_hours == Decimal("19.2")
    assert list(version.steps.values_list("role", flat=True)) == ["receptionist", "processor"]


def test_default_process_has_four_roles_within_80_percent(procedure):
    # when
    version = publish(procedure, date(2025, 1, 1), days=1)
    # then
    assert list(version.steps.values_list("role", flat=True)) == ["receptionist", "processor", "head", "receptionist"]
    assert version.internal_target_hours <= Decimal("6.4")


def test_a_withdrawn_procedure_stays_listed_with_its_validity(procedure):
    # given
    publish(procedure, date(2020, 1, 1))
    # when
    procedure_withdraw(actor=None, procedure=procedure, valid_to=date(2021, 6, 30))
    # then
    rows = procedure_search(q="dang ky thu nghiem", on=date(2026, 1, 1))
    assert len(rows) == 1 and not rows[0].in_force
    assert rows[0].version.valid_to == date(2021, 6, 30)
    assert procedure_search(q="dang ky thu nghiem", on=date(2026, 1, 1), include_inactive=False) == []
    assert version_in_force(procedure, on=date(2021, 6, 30)) is not None


def test_unknown_level_is_refused(procedure):
    with pytest.raises(ValidationError, match="Cấp thực hiện không hợp lệ"):
        procedure_version_publish(actor=None, procedure=procedure, valid_from=date(2025, 1, 1), levels=["ward"])


def test_procedure_codes_are_unique(procedure):
    with pytest.raises(ValidationError):
        procedure_create(actor=None, field=procedure.field, code="9.999999", name="Trùng mã")
    assert Procedure.objects.count() == 1
