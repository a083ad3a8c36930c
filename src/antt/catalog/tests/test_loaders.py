from collections import Counter

from antt.catalog.loaders import load_catalog
from antt.catalog.models import Field, Procedure, ProcedureLevel, ProcedureVersion
from antt.core.models import AuditEvent


def test_load_catalog_imports_the_120_procedures_and_137_levels_of_the_seed(catalog):
    # given the catalogue loaded from the seed (fixture)
    # then
    assert Procedure.objects.count() == 120
    assert Field.objects.count() == 8
    assert ProcedureLevel.objects.count() == 137
    per_appendix = Counter(ProcedureLevel.objects.values_list("version__procedure__field__appendix", flat=True))
    assert [per_appendix[a] for a in range(1, 9)] == [21, 5, 6, 35, 10, 18, 16, 26]
    assert "120 thủ tục" in catalog


def test_load_catalog_twice_creates_nothing_new(catalog):
    # given
    counts = (Procedure.objects.count(), ProcedureVersion.objects.count(), ProcedureLevel.objects.count())
    audit_count = AuditEvent.objects.count()
    # when
    message = load_catalog()
    # then
    assert (Procedure.objects.count(), ProcedureVersion.objects.count(), ProcedureLevel.objects.count()) == counts
    assert AuditEvent.objects.count() == audit_count
    assert "thêm mới 0 thủ tục" in message


def test_load_catalog_uses_national_codes_where_known_and_local_codes_elsewhere(catalog):
    # then
    residence = Procedure.objects.get(code="1.004222")
    assert residence.code_verified and residence.seed_name == "Đăng ký thường trú"
    local = Procedure.objects.get(code="TH273.4.01")
    assert not local.code_verified
    assert Procedure.objects.get(code="1.010038").name == "Tách hộ"
    assert Procedure.objects.get(code="1.010038").seed_name == "Tách sổ hộ khẩu"


def test_load_catalog_fills_legal_times_with_sources(catalog):
    # then
    expected = {"1.001456": 8, "2.000200": 7, "1.004222": 7, "1.004194": 3, "1.002755": 3, "1.010038": 5, "1.003197": 5}
    for code, days in expected.items():
        version = Procedure.objects.get(code=code).versions.get()
        assert (version.legal_time_amount, version.legal_time_unit) == (days, "working_days"), code
        assert version.sources
    permanent = Procedure.objects.get(seed_ref="1.11").versions.get()
    assert (permanent.legal_time_amount, permanent.legal_time_unit) == (4, "calendar_months")
    fee = Procedure.objects.get(code="1.004222").versions.get().fees.get(channel="in_person")
    assert fee.amount == 20000


def test_load_catalog_does_not_overwrite_a_later_version(catalog):
    # given an administrator published a newer version
    from datetime import date

    from antt.catalog.services import procedure_version_publish

    procedure = Procedure.objects.get(code="1.004194")
    procedure_version_publish(
        actor=None,
        procedure=procedure,
        valid_from=date(2030, 1, 1),
        legal_time_amount=2,
        legal_time_unit="working_days",
        levels=["commune"],
    )
    # when
    load_catalog()
    # then
    assert procedure.versions.count() == 2
    assert procedure.versions.order_by("-valid_from").first().legal_time_amount == 2


def test_every_initial_process_is_at_least_20_percent_below_the_legal_time(catalog):
    from antt.catalog import rules

    for version in ProcedureVersion.objects.exclude(internal_target_hours=None):
        limit = rules.max_internal_hours(version.legal_time_amount, version.legal_time_unit)
        assert version.internal_target_hours <= limit, version
