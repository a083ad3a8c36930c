"""Security certificate services: issue, the one-per-location rule, change and re-issue chains,
suspension bounds, revocation (whole and by line), restoration, scoping, numbers."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from antt.core.models import AuditEvent
from antt.establishments import certificates as svc
from antt.establishments.errors import EstablishmentError
from antt.establishments.models import BusinessLine, Certificate, CertificateEvent, ChangeEntry, Establishment
from antt.establishments.selectors_certificates import (
    LINE_REVOKED,
    LINE_SUSPENDED,
    LINE_VALID,
    certificate_list,
    line_states,
    visible_certificates,
)
from antt.establishments.tests.factories import establishments_world, make_establishment, valid_tax_code
from antt.org.models import Role
from antt.org.tests.factories import make_officer

pytestmark = pytest.mark.django_db
S = Certificate.Status
_codes = itertools.count(3_000_000, 2)


def est(w, **kwargs) -> Establishment:
    """`make_establishment` with a tax code from a range of its own (bodies 283xxxxxx), so that
    these tests never meet the codes other test modules take from the factory's counter."""
    kwargs.setdefault("tax_code", valid_tax_code(next(_codes)))
    return make_establishment(w, **kwargs)


@pytest.fixture
def w():
    return establishments_world()


def issue(w, e, lines=("t-karaoke",), **kw):
    return svc.certificate_issue(officer=kw.pop("officer", w.head_a), establishment=e, line_codes=list(lines), **kw)


def states(c) -> dict[str, str]:
    return {s.code: s.state for s in line_states(c)}


def counts() -> tuple[int, int, int, int]:
    return (
        Certificate.objects.count(),
        CertificateEvent.objects.count(),
        ChangeEntry.objects.filter(entity="certificate").count(),
        AuditEvent.objects.filter(object_type="establishments.certificate").count(),
    )


# --- issue -------------------------------------------------------------------------------------


def test_issue_numbers_per_unit_and_year_and_records_event_audit_and_feed(w):
    # given two establishments of commune A and one of commune B
    e1, e2 = est(w), est(w, name="Karaoke Hoa Sen")
    e3 = est(w, name="Karaoke Bờ Sông", unit=w.commune_b)
    # when certificates are issued
    c1 = issue(w, e1, valid_until=None)
    c2 = issue(w, e2)
    c3 = issue(w, e3, officer=make_officer(w.commune_b, role=Role.HEAD), issued_on=date(2025, 5, 2))
    e4 = est(w, name="Karaoke Năm Cũ")
    c4 = issue(w, e4, issued_on=date(2025, 5, 2))
    # then the numbers run per issuing unit and year, gap-free
    year = timezone.localdate().year
    assert [c.number.split("/")[0] for c in (c1, c2, c3, c4)] == ["1", "2", "1", "1"]
    assert c1.number.endswith(f"/{year}") and "/GCN-ANTT/" in c1.number
    assert c3.number.endswith("/2025") and c4.number.endswith("/2025") and c3.number != c4.number
    assert c3.unit == w.commune_b
    # the holder is the establishment's security person; no expiry unless given
    assert c1.holder_name == "Lê Thị An Ninh" and c1.holder_id_number == "038190054321"
    assert c1.valid_until is None and c1.status == S.VALID and c1.unit == w.commune_a
    assert [line.code for line in c1.lines.all()] == ["t-karaoke"]
    assert c1.events.get().action == CertificateEvent.Action.ISSUE
    entry = ChangeEntry.objects.filter(entity="certificate", object_id=c1.pk).get()
    assert entry.action == "issued" and entry.data["number"] == c1.number
    assert "Lê Thị An Ninh" not in str(entry.data) and "038190054321" not in str(entry.data)
    audit = AuditEvent.objects.get(object_type="establishments.certificate", object_id=str(c1.pk), action="create")
    assert "An Ninh" not in str(audit.changes) and "038190054321" not in str(audit.changes)


def test_line_not_registered_on_the_establishment_is_422_and_nothing_written(w):
    e = est(w, lines=["t-karaoke"])
    before = counts()
    with pytest.raises(EstablishmentError) as err:
        issue(w, e, lines=["t-karaoke", "t-cam-do"])
    assert err.value.status == 422
    assert "Cơ sở chưa đăng ký ngành, nghề “Kinh doanh dịch vụ cầm đồ”" in err.value.message
    assert counts() == before


@pytest.mark.parametrize(
    ("kwargs", "status", "words"),
    [
        ({"lines": ["t-khong-co"]}, 422, "không có trong danh mục"),
        ({"lines": []}, 400, "ít nhất một ngành"),
        ({"issued_on": date(2016, 6, 30)}, 422, "áp dụng ngày 30/06/2016"),  # before the rules are in force
        ({"issued_on": "tomorrow"}, 422, "sau ngày hiện tại"),
        ({"valid_until": "before"}, 422, "Ngày hết hạn phải sau ngày cấp"),
        ({"kind": "other"}, 400, "Hình thức cấp"),
    ],
)
def test_bad_issue_input_is_refused_with_a_vietnamese_message(w, kwargs, status, words):
    e = est(w)
    today = timezone.localdate()
    if kwargs.get("issued_on") == "tomorrow":
        kwargs["issued_on"] = today + timedelta(days=1)
    if kwargs.get("valid_until") == "before":
        kwargs["valid_until"] = today - timedelta(days=1)
    lines = kwargs.pop("lines", ["t-karaoke"])
    before = counts()
    with pytest.raises(EstablishmentError) as err:
        issue(w, e, lines=lines, **kwargs)
    assert err.value.status == status
    assert words in err.value.message
    assert counts() == before


def test_a_line_no_longer_in_force_cannot_be_issued(w):
    e = est(w, lines=["t-karaoke", "t-cam-do"])
    BusinessLine.objects.filter(code="t-cam-do").update(valid_to=date(2020, 1, 1))
    with pytest.raises(EstablishmentError) as err:
        issue(w, e, lines=["t-cam-do"])
    assert err.value.status == 422
    # issued back when it was in force: accepted
    c = issue(w, e, lines=["t-cam-do"], issued_on=date(2019, 6, 1))
    assert c.issued_on == date(2019, 6, 1)


def test_second_new_certificate_while_one_is_valid_is_409_and_says_use_change(w):
    e = est(w)
    first = issue(w, e)
    with pytest.raises(EstablishmentError) as err:
        issue(w, e)
    assert err.value.status == 409
    assert first.number in err.value.message and "cấp đổi" in err.value.message
    assert Certificate.objects.filter(establishment=e).count() == 1


def test_no_security_person_or_ceased_establishment_is_refused(w):
    e = est(w, security_person_name="")
    with pytest.raises(EstablishmentError) as err:
        issue(w, e)
    assert err.value.status == 422 and "người chịu trách nhiệm" in err.value.message
    ceased = est(w, name="Karaoke Đã Đóng", status=Establishment.Status.CEASED)
    with pytest.raises(EstablishmentError) as err:
        issue(w, ceased)
    assert err.value.status == 409


def test_direct_issue_needs_certificate_manage_and_scope(w):
    e = est(w)
    for officer, status in ((w.processor_a, 403), (w.receptionist_a, 403), (w.supervisor, 403)):
        with pytest.raises(EstablishmentError) as err:
            issue(w, e, officer=officer)
        assert err.value.status == status
    # the head of PC06 does not manage commune A's establishment: 404, not a hint that it exists
    with pytest.raises(EstablishmentError) as err:
        issue(w, e, officer=w.head_pc06)
    assert err.value.status == 404
    assert not Certificate.objects.exists()


def test_entering_a_paper_certificate_keeps_its_number_and_refuses_a_duplicate(w):
    e1, e2 = est(w), est(w, name="Nhà nghỉ Sao Mai", lines=["t-luu-tru"])
    c = issue(w, e1, number="15/GCN", issued_on=date(2021, 3, 4), reason="Nhập từ sổ ĐK10")
    assert c.number == "15/GCN" and c.issued_on == date(2021, 3, 4)
    assert "Cấp trực tiếp" in c.events.get().reason
    with pytest.raises(EstablishmentError) as err:
        issue(w, e2, lines=["t-luu-tru"], number="15/GCN")
    assert err.value.status == 409 and err.value.field == "number"


# --- change and re-issue -----------------------------------------------------------------------


def test_change_then_reissue_chain(w):
    # given a karaoke that also registers lodging
    e = est(w, lines=["t-karaoke", "t-luu-tru"])
    first = issue(w, e)
    # when the certificate is changed to add lodging (cấp đổi)
    second = svc.certificate_change(officer=w.head_a, certificate=first, line_codes=["t-karaoke", "t-luu-tru"])
    # then the new one replaces the old one
    first.refresh_from_db()
    assert first.status == S.REPLACED and second.replaces == first and second.kind == "change"
    assert sorted(line.code for line in second.lines.all()) == ["t-karaoke", "t-luu-tru"]
    assert first.events.filter(action=CertificateEvent.Action.REPLACE).exists()
    # when the new one is lost (cấp lại): same lines, the lost one is void
    third = svc.certificate_reissue(officer=w.head_a, certificate=second)
    second.refresh_from_db()
    assert second.status == S.VOID and third.replaces == second and third.kind == "reissue"
    assert sorted(line.code for line in third.lines.all()) == ["t-karaoke", "t-luu-tru"]
    assert list(Certificate.objects.filter(establishment=e, status__in=("valid", "suspended"))) == [third]
    # a replaced certificate cannot be replaced again
    with pytest.raises(EstablishmentError) as err:
        svc.certificate_change(officer=w.head_a, certificate=first)
    assert err.value.status == 409
    actions = list(ChangeEntry.objects.filter(entity="certificate").values_list("action", flat=True))
    assert actions == ["issued", "replaced", "issued", "voided", "issued"]


def test_change_must_replace_the_certificate_in_force(w):
    e = est(w)
    issue(w, e)
    with pytest.raises(EstablishmentError) as err:
        issue(w, e, kind="change")
    assert err.value.status == 409 and "thay cho giấy" in err.value.message


# --- suspension --------------------------------------------------------------------------------


def suspend(w, c, until, **kw):
    return svc.certificate_suspend(
        officer=kw.pop("officer", w.head_a),
        certificate=c,
        ground_code=kw.pop("ground_code", "18.2.d"),
        until=until,
        reason=kw.pop("reason", "Bị xử phạt 02 lần trong năm"),
        decision_number=kw.pop("decision_number", "01/QĐ-TH"),
        **kw,
    )


def test_suspension_bounds_come_from_the_ground(w):
    today = timezone.localdate()
    e = est(w)
    c = issue(w, e)
    three = today + relativedelta(months=3) - timedelta(days=1)
    six = today + relativedelta(months=6) - timedelta(days=1)
    for until in (three - timedelta(days=1), six + timedelta(days=1), today):
        with pytest.raises(EstablishmentError) as err:
            suspend(w, c, until)
        assert err.value.status == 422 and "từ 3 đến 6 tháng" in err.value.message
    c.refresh_from_db()
    assert c.status == S.VALID and not c.events.filter(action="suspend").exists()
    # the upper bound is allowed
    c = suspend(w, c, six)
    assert c.status == S.SUSPENDED and c.suspended_until == six


def test_suspension_needs_a_temporary_ground_a_decision_and_a_reason(w):
    today = timezone.localdate()
    c = issue(w, est(w))
    until = today + relativedelta(months=4)
    cases = [
        ({"ground_code": "18.1.a"}, 422),
        ({"ground_code": "khong-co"}, 400),
        ({"decision_number": " "}, 400),
        ({"reason": ""}, 400),
    ]
    for kwargs, status in cases:
        with pytest.raises(EstablishmentError) as err:
            suspend(w, c, until, **kwargs)
        assert err.value.status == status, kwargs
    c.refresh_from_db()
    assert c.status == S.VALID


def test_suspending_a_suspended_certificate_is_409(w):
    c = issue(w, est(w))
    until = timezone.localdate() + relativedelta(months=3)
    c = suspend(w, c, until)
    with pytest.raises(EstablishmentError) as err:
        suspend(w, c, until)
    assert err.value.status == 409 and "đang bị thu hồi có thời hạn" in err.value.message


def test_partial_suspension_then_restore(w):
    today = timezone.localdate()
    e = est(w, lines=["t-karaoke", "t-luu-tru"])
    c = issue(w, e, lines=["t-karaoke", "t-luu-tru"])
    until = today + relativedelta(months=3)
    c = suspend(w, c, until, line_codes=["t-karaoke"])
    # only karaoke is suspended; the certificate stays valid
    assert c.status == S.VALID
    assert states(c) == {"t-karaoke": LINE_SUSPENDED, "t-luu-tru": LINE_VALID}
    # nothing lapses before the last day has passed
    assert svc.restore_expired_suspensions(until) == 0
    # the day after: restored with an event
    assert svc.restore_expired_suspensions(until + timedelta(days=1)) == 1
    restore = c.events.get(action=CertificateEvent.Action.RESTORE)
    assert restore.lines == ["t-karaoke"] and restore.until == until
    # and not twice
    assert svc.restore_expired_suspensions(until + timedelta(days=2)) == 0


def test_whole_suspension_is_restored_after_its_last_day(w):
    today = timezone.localdate()
    c = issue(w, est(w))
    until = today + relativedelta(months=3)
    c = suspend(w, c, until)
    assert c.status == S.SUSPENDED
    assert svc.restore_expired_suspensions(today) == 0
    assert svc.restore_expired_suspensions(until + timedelta(days=1)) == 1
    c.refresh_from_db()
    assert c.status == S.VALID and c.suspended_until is None
    assert ChangeEntry.objects.filter(entity="certificate", object_id=c.pk, action="restored").exists()


def test_two_partial_suspensions_making_the_whole_and_lapsing_on_different_days(w):
    today = timezone.localdate()
    e = est(w, lines=["t-karaoke", "t-luu-tru"])
    c = issue(w, e, lines=["t-karaoke", "t-luu-tru"])
    long_until = today + relativedelta(months=6) - timedelta(days=1)
    short_until = today + relativedelta(months=3)
    c = suspend(w, c, long_until, line_codes=["t-karaoke"])
    c = suspend(w, c, short_until, line_codes=["t-luu-tru"])
    # every line in force is suspended: the whole certificate is, until the later day
    assert c.status == S.SUSPENDED and c.suspended_until == long_until
    assert svc.restore_expired_suspensions(short_until + timedelta(days=1)) == 1
    c.refresh_from_db()
    assert c.status == S.SUSPENDED
    assert svc.restore_expired_suspensions(long_until + timedelta(days=1)) == 1
    c.refresh_from_db()
    assert c.status == S.VALID
    assert c.events.filter(action="restore").count() == 2


# --- revocation --------------------------------------------------------------------------------


def revoke(w, c, **kw):
    return svc.certificate_revoke(
        officer=kw.pop("officer", w.head_a),
        certificate=c,
        ground_code=kw.pop("ground_code", "18.1.a"),
        reason=kw.pop("reason", "Khai man thông tin trong hồ sơ"),
        decision_number=kw.pop("decision_number", "02/QĐ-TH"),
        **kw,
    )


def test_revoking_twice_is_409_and_changes_nothing(w):
    c = issue(w, est(w))
    c = revoke(w, c)
    assert c.status == S.REVOKED
    before = counts()
    with pytest.raises(EstablishmentError) as err:
        revoke(w, c)
    assert err.value.status == 409 and err.value.message == "Giấy chứng nhận đã bị thu hồi."
    assert counts() == before


def test_revocation_needs_an_indefinite_ground(w):
    c = issue(w, est(w))
    with pytest.raises(EstablishmentError) as err:
        revoke(w, c, ground_code="18.2.d")
    assert err.value.status == 422 and "có thời hạn" in err.value.message


def test_partial_revocation_revokes_only_those_lines_and_then_the_rest_revokes_the_whole(w):
    e = est(w, lines=["t-karaoke", "t-luu-tru"])
    c = issue(w, e, lines=["t-karaoke", "t-luu-tru"])
    c = revoke(w, c, line_codes=["t-luu-tru"])
    assert c.status == S.VALID
    assert states(c) == {"t-karaoke": LINE_VALID, "t-luu-tru": LINE_REVOKED}
    assert ChangeEntry.objects.filter(entity="certificate", action="lines_revoked").count() == 1
    # the same line again: 409
    with pytest.raises(EstablishmentError) as err:
        revoke(w, c, line_codes=["t-luu-tru"])
    assert err.value.status == 409 and "đã bị thu hồi" in err.value.message
    # a line that is not on the certificate: 422
    with pytest.raises(EstablishmentError) as err:
        revoke(w, c, line_codes=["t-cam-do"])
    assert err.value.status == 422
    # the last line in force: the whole certificate is revoked
    c = revoke(w, c, line_codes=["t-karaoke"])
    assert c.status == S.REVOKED
    # and a change cannot bring a revoked line back
    assert not Certificate.objects.filter(establishment=e, status="valid").exists()


def test_change_after_partial_revocation_keeps_only_the_lines_in_force(w):
    e = est(w, lines=["t-karaoke", "t-luu-tru"])
    c = issue(w, e, lines=["t-karaoke", "t-luu-tru"])
    c = revoke(w, c, line_codes=["t-luu-tru"])
    with pytest.raises(EstablishmentError) as err:
        svc.certificate_change(officer=w.head_a, certificate=c, line_codes=["t-karaoke", "t-luu-tru"])
    assert err.value.status == 409
    new = svc.certificate_change(officer=w.head_a, certificate=c)
    assert [line.code for line in new.lines.all()] == ["t-karaoke"]


def test_new_certificate_after_revocation_waits_for_art_22_unless_the_person_changed(w):
    e = est(w)
    c = revoke(w, issue(w, e))  # 18.1.a: 12 months' wait
    with pytest.raises(EstablishmentError) as err:
        issue(w, e)
    assert err.value.status == 409 and "Điều 22" in err.value.message
    # a new responsible person may apply at once
    Establishment.objects.filter(pk=e.pk).update(
        security_person_name="Trần Văn Mới", security_person_id_number="038095011111"
    )
    new = issue(w, e)
    assert new.holder_name == "Trần Văn Mới" and c.status == S.REVOKED


def test_stale_page_is_409_and_other_unit_is_404(w):
    c = issue(w, est(w))
    stale = Certificate.objects.get(pk=c.pk)
    suspend(w, c, timezone.localdate() + relativedelta(months=3))
    with pytest.raises(EstablishmentError) as err:
        revoke(w, stale)
    assert err.value.status == 409 and "tải lại trang" in err.value.message
    # commune B's head cannot touch commune A's certificate
    head_b = make_officer(w.commune_b, role=Role.HEAD, full_name="Trưởng B")
    fresh = Certificate.objects.get(pk=c.pk)
    with pytest.raises(EstablishmentError) as err:
        revoke(w, fresh, officer=head_b)
    assert err.value.status == 404


# --- scoping of the reads ---------------------------------------------------------------------


def test_lists_show_only_certificates_of_my_units_or_issued_by_them(w):
    a = issue(w, est(w))
    e_b = est(w, name="Karaoke Bờ Sông", unit=w.commune_b)
    head_b = make_officer(w.commune_b, role=Role.HEAD, full_name="Trưởng B")
    b = issue(w, e_b, officer=head_b)
    assert list(visible_certificates(w.processor_a)) == [a]
    assert list(visible_certificates(w.processor_b)) == [b]
    assert set(visible_certificates(w.supervisor)) == {a, b}
    assert list(visible_certificates(w.system_admin)) == []  # no establishment.view
    # PC06 sees what it issued for a commune's establishment
    e_guard = est(w, name="Bảo vệ Thành Công", lines=["t-bao-ve"], unit=w.pc06)
    g = issue(w, e_guard, lines=["t-bao-ve"], officer=w.head_pc06)
    assert list(visible_certificates(w.head_pc06)) == [g]
    # filters
    assert list(certificate_list(w.supervisor, q="bo song")) == [b]
    assert list(certificate_list(w.supervisor, line="t-bao-ve")) == [g]
    assert list(certificate_list(w.supervisor, unit=w.commune_a)) == [a]


# --- the business ceases (ND 96 Art. 17(2)) -----------------------------------------------------


def test_ceasing_the_business_ends_its_certificate_and_nothing_more_can_be_done_to_it(w):
    from antt.establishments.services import establishment_set_status

    e = est(w)
    c = issue(w, e)
    other = issue(w, est(w, name="Karaoke Bên Cạnh"))
    establishment_set_status(
        officer=w.processor_a, establishment=e, status=Establishment.Status.CEASED, reason="Giải thể theo quyết định"
    )
    c.refresh_from_db()
    other.refresh_from_db()
    assert c.status == S.CEASED and other.status == S.VALID
    event = c.events.order_by("-id").first()
    assert event.action == CertificateEvent.Action.CEASE and event.reason == "Giải thể theo quyết định"
    feed = ChangeEntry.objects.filter(entity="certificate", object_id=c.pk).order_by("-id").first()
    assert feed.action == "ceased" and feed.data["status"] == "ceased"
    assert AuditEvent.objects.filter(object_type="establishments.certificate", object_id=str(c.pk)).exists()
    before = counts()
    with pytest.raises(EstablishmentError) as err:
        revoke(w, c)
    assert err.value.status == 409 and "chấm dứt hoạt động" in err.value.message
    assert counts() == before
