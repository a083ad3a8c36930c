from datetime import date

import pytest
from django.conf import settings

from antt.org.loaders import ROOT_SLUG, load_admin_areas, load_units
from antt.org.models import AdminArea, Unit

pytestmark = pytest.mark.django_db

CURRENT, LEGACY = AdminArea.Scheme.CURRENT, AdminArea.Scheme.LEGACY


@pytest.fixture
def loaded():
    load_admin_areas()
    load_units()


def test_admin_areas_of_thanh_hoa_have_the_official_counts(loaded):
    # given the reference data loaded
    # when counting by scheme and level
    communes = AdminArea.objects.filter(scheme=CURRENT, level=AdminArea.Level.COMMUNE)
    districts = AdminArea.objects.filter(scheme=LEGACY, level=AdminArea.Level.DISTRICT)
    old_communes = AdminArea.objects.filter(scheme=LEGACY, level=AdminArea.Level.COMMUNE)
    # then: 166 communes/wards (NQ 1686/NQ-UBTVQH15), 26 legacy districts, 549 legacy communes
    assert communes.count() == 166
    assert communes.filter(division_type="phường").count() == 19
    assert districts.count() == 26
    assert old_communes.count() == 549
    assert AdminArea.objects.get(scheme=CURRENT, code=settings.ANTT_PROVINCE_CODE).name == "Tỉnh Thanh Hóa"


def test_codes_overlap_between_schemes_and_stay_distinct(loaded):
    # given code 14758 is new Phường Hàm Rồng and old Phường Đông Thọ
    # then both rows exist, told apart by the scheme
    assert AdminArea.objects.get(scheme=CURRENT, code="14758").name == "Phường Hàm Rồng"
    assert AdminArea.objects.get(scheme=LEGACY, code="14758").name == "Phường Đông Thọ"


def test_every_legacy_commune_has_a_current_successor(loaded):
    # when looking for legacy communes without a successor
    orphans = AdminArea.objects.filter(scheme=LEGACY, level=AdminArea.Level.COMMUNE, successors__isnull=True)
    # then there are none, and successors are always current communes
    assert list(orphans.values_list("name", flat=True)) == []
    assert not AdminArea.objects.filter(scheme=LEGACY, successors__scheme=LEGACY).exists()


def test_partly_split_ward_dong_tho_leads_to_ham_rong_and_hac_thanh(loaded):
    # given the old Phường Đông Thọ, split in 2025
    dong_tho = AdminArea.objects.get(scheme=LEGACY, name="Phường Đông Thọ")
    # then it has both new wards as successors
    assert sorted(dong_tho.successors.values_list("name", flat=True)) == ["Phường Hàm Rồng", "Phường Hạc Thành"]
    # and the new Hàm Rồng knows its predecessors
    ham_rong = AdminArea.objects.get(scheme=CURRENT, name="Phường Hàm Rồng")
    assert "Phường Đông Thọ" in set(ham_rong.predecessors.values_list("name", flat=True))


def test_one_active_commune_police_per_current_commune(loaded):
    # given the police units loaded
    root = Unit.objects.get(slug=ROOT_SLUG)
    communes = Unit.objects.filter(level=Unit.Level.COMMUNE, is_active=True)
    # then each current commune has exactly one police unit, directly under the province police
    assert communes.count() == 166
    assert communes.values("area").distinct().count() == 166
    assert set(communes.values_list("parent_id", flat=True)) == {root.pk}
    assert Unit.objects.get(area__scheme=CURRENT, area__code="14758").name == "Công an phường Hàm Rồng"
    assert communes.filter(name__startswith="Công an xã ").count() == 147
    # and the province police carries the configured agency code
    assert root.name == "Công an tỉnh Thanh Hóa"
    assert root.agency_code == settings.ANTT_POLICE_AGENCY_CODE
    assert root.path == f"/{root.pk}/"


def test_former_district_police_are_historical_with_their_communes(loaded):
    # given the district police abolished on 1 July 2025
    districts = Unit.objects.filter(level=Unit.Level.DISTRICT)
    # then they are inactive from 30/06/2025 and hold the legacy commune police below them
    assert districts.count() == 26
    assert set(districts.values_list("is_active", "active_until")) == {(False, date(2025, 6, 30))}
    city = Unit.objects.get(name="Công an thành phố Thanh Hóa")
    below = Unit.objects.filter(path__startswith=city.path).exclude(pk=city.pk)
    assert below.count() == AdminArea.objects.filter(scheme=LEGACY, parent__code="380").count()
    assert not below.filter(is_active=True).exists()
    assert Unit.objects.filter(level=Unit.Level.COMMUNE, is_active=False).count() == 549


def test_departments_and_public_service_centre(loaded):
    # then the departments sit under the province police, the centre outside the police tree
    names = set(Unit.objects.filter(level=Unit.Level.DEPARTMENT).values_list("name", flat=True))
    assert "Phòng Quản lý xuất nhập cảnh" in names
    assert "Phòng Cảnh sát giao thông" in names
    centre = Unit.objects.get(level=Unit.Level.OUTSIDE)
    assert centre.agency_code == "000.00.06.H56"
    assert centre.parent_id is None
    # and unknown agency codes are blank, not invented
    assert not Unit.objects.filter(level=Unit.Level.COMMUNE).exclude(agency_code="").exists()


def test_loaders_are_idempotent(loaded, django_assert_max_num_queries):
    # given everything loaded once
    counts = (AdminArea.objects.count(), AdminArea.successors.through.objects.count(), Unit.objects.count())
    # when loading again (in few queries: bulk, in-memory maps)
    with django_assert_max_num_queries(40):
        first = load_admin_areas()
        second = load_units()
    # then nothing is duplicated
    assert (AdminArea.objects.count(), AdminArea.successors.through.objects.count(), Unit.objects.count()) == counts
    assert "thêm mới 0 đơn vị, 0 liên kết" in first
    assert "thêm mới 0." in second


@pytest.mark.django_db
def test_each_bulk_load_leaves_one_audit_entry_and_a_rerun_none():
    from antt.core.models import AuditEvent

    # given an empty database / when the reference data is loaded twice
    load_admin_areas()
    load_units()
    first = AuditEvent.objects.filter(object_id="bulk").count()
    load_admin_areas()
    load_units()
    # then the first load was recorded once per loader, the second (which created nothing) not at all
    assert first == 2
    assert AuditEvent.objects.filter(object_id="bulk").count() == 2
    entry = AuditEvent.objects.get(object_type="org.unit", object_id="bulk")
    assert entry.changes["created"] > 700
