"""Work lists: each tab shows the right dossiers, only the user's units, filtered, sorted, paged."""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from antt.dossiers.models import Dossier, Status
from antt.dossiers.selectors import mask_name
from antt.dossiers.selectors_lists import ListFilters, Scope, Tab, deadline_banner, dossier_worklist
from antt.dossiers.services import (
    UploadIn,
    dossier_attach_result,
    dossier_forward,
    dossier_receive,
    dossier_start,
    dossier_submit_online,
)
from antt.dossiers.services import dossier_approve as approve
from antt.dossiers.tests.factories import OneStopWorld, applicant, one_stop_world, pdf_upload
from antt.org.otp import login_verified

VN = ZoneInfo("Asia/Ho_Chi_Minh")
pytestmark = pytest.mark.django_db


def at(*args) -> datetime:
    return datetime(*args, tzinfo=VN)


@contextmanager
def clock(when: datetime):
    with mock.patch("django.utils.timezone.now", return_value=when):
        yield


# Wednesday 6 May 2026, 10:00: "now" in these tests. Dossiers received on Monday 4 May are due
# on Thursday 7 May (3 working days): due soon. One received on 6 May is due on 11 May: on time.
# One received on Thursday 23 April was due on 29 April (30/4 and 1/5 are holidays): late.
NOW = at(2026, 5, 6, 10, 0)


def receive(w: OneStopWorld, when: datetime, name: str, officer=None) -> Dossier:
    with clock(when):
        return dossier_receive(
            officer=officer or w.receptionist,
            procedure=w.procedure,
            level="commune",
            applicant=applicant(name=name),
            at=when,
        ).dossier


@dataclass
class Desk:
    w: OneStopWorld
    new: Dossier  # online, waiting to be received
    received: Dossier  # received today, on time
    mine: Dossier  # processing, the processor's
    other: Dossier  # processing, the second processor's
    approve: Dossier  # at the head's step
    processed: Dossier  # approved, waiting to be returned
    late: Dossier  # received, due 29/4
    foreign: Dossier  # another unit's (late too)

    def unit_dossiers(self) -> set[int]:
        return {d.pk for d in (self.new, self.received, self.mine, self.other, self.approve, self.processed, self.late)}


def build_desk() -> Desk:
    w = one_stop_world(days=3)
    mon = at(2026, 5, 4, 9, 0)
    with clock(at(2026, 5, 4, 8, 0)):
        new = dossier_submit_online(
            procedure=w.procedure,
            level="commune",
            unit=w.unit,
            applicant=applicant(name="Nguyễn Văn An"),
            uploads=[UploadIn(pdf_upload())],
        )
    late = receive(w, at(2026, 4, 23, 9, 30), "Đỗ Văn Hải")
    foreign = receive(w, at(2026, 4, 23, 9, 40), "Ngô Thị Khánh", officer=w.other_receptionist)
    mine = receive(w, mon, "Lê Văn Cường")
    other = receive(w, mon, "Phạm Thị Dung")
    to_approve = receive(w, mon, "Hoàng Văn Em")
    processed = receive(w, mon, "Vũ Thị Giang")
    with clock(at(2026, 5, 4, 10, 0)):
        mine = dossier_start(officer=w.receptionist, dossier=mine, assignee=w.processor)
        other = dossier_start(officer=w.receptionist, dossier=other, assignee=w.processor2)
        for d in (to_approve, processed):
            d = dossier_start(officer=w.receptionist, dossier=d, assignee=w.processor)
            dossier_attach_result(officer=w.processor, dossier=d, name="Xác nhận thông tin cư trú")
            d.refresh_from_db()
            dossier_forward(officer=w.processor, dossier=d, assignee=w.head)
        processed.refresh_from_db()
        processed = approve(officer=w.head, dossier=processed)
    received = receive(w, at(2026, 5, 6, 9, 0), "Trần Thị Bình")
    to_approve.refresh_from_db()
    return Desk(w, new, received, mine, other, to_approve, processed, late, foreign)


@pytest.fixture
def desk():
    return build_desk()


def ids(user, now=NOW, **kw) -> set[int]:
    return set(dossier_worklist(user, ListFilters(**kw), now=now).values_list("pk", flat=True))


# --- selectors ------------------------------------------------------------------------------


def test_each_tab_of_the_unit_holds_its_dossiers(desk):
    head = desk.w.head
    unit = Scope.UNIT
    assert ids(head, tab=Tab.RECEIVE, scope=unit) == {desk.new.pk}
    assert ids(head, tab=Tab.PROCESSING, scope=unit) == {desk.mine.pk, desk.other.pk, desk.approve.pk}
    assert ids(head, tab=Tab.APPROVE, scope=unit) == {desk.approve.pk}
    assert ids(head, tab=Tab.RETURN, scope=unit) == {desk.processed.pk}
    assert ids(head, tab=Tab.LATE, scope=unit) == {desk.late.pk}
    assert ids(head, tab=Tab.DUE_SOON, scope=unit) == {desk.mine.pk, desk.other.pk, desk.approve.pk, desk.processed.pk}
    assert ids(head, tab=Tab.ALL, scope=unit) == desk.unit_dossiers()


def test_my_tabs_hold_only_what_is_assigned_to_me(desk):
    w = desk.w
    assert ids(w.processor, tab=Tab.PROCESSING, scope=Scope.MINE) == {desk.mine.pk}
    assert ids(w.processor2, tab=Tab.PROCESSING, scope=Scope.MINE) == {desk.other.pk}
    assert ids(w.processor, tab=Tab.DUE_SOON, scope=Scope.MINE) == {desk.mine.pk}
    assert ids(w.head, tab=Tab.APPROVE, scope=Scope.MINE) == {desk.approve.pk}
    assert ids(w.processor, tab=Tab.APPROVE, scope=Scope.MINE) == set()
    # the desk's shared queues ignore "mine"
    assert ids(w.receptionist, tab=Tab.RECEIVE, scope=Scope.MINE) == {desk.new.pk}


def test_a_supplemented_online_dossier_is_back_in_the_receive_tab(desk):
    from antt.dossiers.services import dossier_request_supplement, dossier_supplement_submit

    w = desk.w
    with clock(NOW):
        dossier_request_supplement(officer=w.receptionist, dossier=desk.new, items=["Giấy tờ"], reasons="Thiếu")
    assert ids(w.receptionist, tab=Tab.RECEIVE) == set()
    desk.new.refresh_from_db()
    with clock(NOW):
        dossier_supplement_submit(dossier=desk.new, uploads=[UploadIn(pdf_upload())])
    assert ids(w.receptionist, tab=Tab.RECEIVE) == {desk.new.pk}


def test_time_moves_dossiers_from_due_soon_to_late(desk):
    # given Friday 8 May: everything received on Monday is now past its Thursday appointment
    friday = at(2026, 5, 8, 9, 0)
    late = ids(desk.w.head, now=friday, tab=Tab.LATE)
    assert late == {desk.late.pk, desk.mine.pk, desk.other.pk, desk.approve.pk, desk.processed.pk}
    # and Monday's early morning, before anything was received on 4 May, nothing of Monday is due soon
    assert ids(desk.w.head, now=at(2026, 5, 4, 7, 0), tab=Tab.DUE_SOON) == set()


def test_other_units_dossiers_never_appear(desk):
    w = desk.w
    for tab in Tab.LABELS:
        for user in (w.receptionist, w.processor, w.head):
            assert desk.foreign.pk not in ids(user, tab=tab, scope=Scope.UNIT)
    assert ids(w.other_receptionist, tab=Tab.ALL) == {desk.foreign.pk}
    # a unit filter pointing outside the user's scope gives nothing, not the other unit's rows
    assert ids(w.receptionist, tab=Tab.ALL, unit_id=w.other_unit.pk) == set()
    # the province supervisor sees both units
    assert desk.foreign.pk in ids(w.supervisor, tab=Tab.ALL)
    assert ids(w.supervisor, tab=Tab.ALL, unit_id=w.other_unit.pk) == {desk.foreign.pk}


def test_filters_by_text_status_channel_dates_and_deadline(desk):
    head = desk.w.head
    assert ids(head, q="nguyen van an") == {desk.new.pk}
    assert ids(head, q="Hoàng Văn") == {desk.approve.pk}
    assert ids(head, q=desk.late.code[-6:].lower()) == {desk.late.pk}
    assert ids(head, status=Status.PROCESSED) == {desk.processed.pk}
    assert ids(head, channel="online") == {desk.new.pk}
    assert ids(head, procedure_id=desk.w.procedure.pk) == desk.unit_dossiers()
    assert ids(head, received_from=at(2026, 5, 6).date()) == {desk.received.pk}
    assert ids(head, received_to=at(2026, 4, 30).date()) == {desk.late.pk}
    assert ids(head, deadline="on_time") == {desk.received.pk}
    assert ids(head, deadline="late") == {desk.late.pk}
    assert ids(head, status="no-such-status") == set()


def test_sort_by_code_and_due(desk):
    head = desk.w.head
    codes = list(dossier_worklist(head, ListFilters(sort="code"), now=NOW).values_list("code", flat=True))
    assert codes == sorted(codes)
    back = list(dossier_worklist(head, ListFilters(sort="-code"), now=NOW).values_list("code", flat=True))
    assert back == sorted(codes, reverse=True)
    due = [d.due_at for d in dossier_worklist(head, ListFilters(sort="due"), now=NOW)]
    assert due[0] == desk.late.due_at and due[-1] is None  # the online dossier has no appointment yet


def test_banner_counts_the_unit_for_a_head_and_own_work_for_a_processor(desk):
    assert deadline_banner(desk.w.head, now=NOW) == {"due_soon": 4, "late": 1}
    assert deadline_banner(desk.w.processor, now=NOW) == {"due_soon": 1, "late": 0}


# --- the page -------------------------------------------------------------------------------


def page(client, user, **params):
    login_verified(client, user)
    with clock(NOW):
        return client.get(reverse("dossiers:list"), params)


def codes_in(response) -> set[str]:
    return set(re.findall(r'class="worklist__code"[^>]*>(?:<a href="[^"]*">)?([^<]+)<', response.content.decode()))


def test_page_shows_the_tab_with_badges_and_banner(client, desk):
    response = page(client, desk.w.head, tab=Tab.DUE_SOON)
    assert response.status_code == 200
    html = response.content.decode()
    assert codes_in(response) == {d.code for d in (desk.mine, desk.other, desk.approve, desk.processed)}
    assert "4 hồ sơ sắp đến hạn, 1 hồ sơ quá hạn" in html
    assert 'class="deadline deadline--due_soon">Sắp đến hạn<' in html
    assert "Lê Văn Cường" in html  # the name finds the dossier
    assert "038190000123" not in html and "0912345678" not in html  # ID numbers and phones never in lists
    assert 'aria-current="page">Sắp đến hạn<' in html
    # each row opens the dossier's page
    assert f'<a href="{reverse("dossiers:detail", args=[desk.mine.pk])}">{desk.mine.code}</a>' in html


def test_page_for_a_processor_starts_on_their_own_work(client, desk):
    response = page(client, desk.w.processor, tab=Tab.PROCESSING)
    assert codes_in(response) == {desk.mine.code}
    response = page(client, desk.w.processor, tab=Tab.PROCESSING, scope=Scope.UNIT)
    assert codes_in(response) == {desk.mine.code, desk.other.code, desk.approve.code}


def test_page_never_shows_another_units_dossier(client, desk):
    response = page(client, desk.w.receptionist, tab=Tab.ALL)
    assert desk.foreign.code not in response.content.decode()
    assert codes_in(response) == {d.code for d in Dossier.objects.filter(pk__in=desk.unit_dossiers())}


def test_a_supervisor_sees_masked_names_and_cannot_search_by_name(client, desk):
    w = desk.w
    assert ids(w.supervisor, q="Lê Văn Cường") == set()
    assert ids(w.supervisor, q=desk.mine.code) == {desk.mine.pk}
    response = page(client, w.supervisor, tab=Tab.ALL, q=desk.mine.code)
    html = response.content.decode()
    assert codes_in(response) == {desk.mine.code}
    assert "Lê Văn Cường" not in html
    assert re.search(rf"<td[^>]*>{re.escape(mask_name('Lê Văn Cường'))}</td>", html)


def test_page_paginates(client, desk, monkeypatch):
    monkeypatch.setattr("antt.dossiers.views.lists.PAGE_SIZE", 3)
    seen = []
    for n in (1, 2, 3):
        response = page(client, desk.w.head, tab=Tab.ALL, sort="code", page=n)
        seen += sorted(codes_in(response))
        assert f"Trang {n}/3" in response.content.decode()
    assert seen == sorted(d.code for d in Dossier.objects.filter(pk__in=desk.unit_dossiers()))


def test_bad_filters_answer_400_in_vietnamese(client, desk):
    response = page(client, desk.w.head, received_from="32/13/2026")
    assert response.status_code == 400
    assert "dd/mm/yyyy" in response.content.decode()
    response = page(client, desk.w.head, received_from="07/05/2026", received_to="01/05/2026")
    assert response.status_code == 400
    assert "Ngày kết thúc phải sau" in response.content.decode()
    response = page(client, desk.w.head, tab="khong-co")
    assert response.status_code == 400


def test_unit_filter_offers_only_visible_units(client, desk):
    response = page(client, desk.w.receptionist, unit=desk.w.other_unit.pk)
    assert response.status_code == 400  # not a choice for this user
    assert desk.foreign.code not in response.content.decode()


def test_the_page_needs_a_signed_in_officer(client, desk):
    response = client.get(reverse("dossiers:list"))
    assert response.status_code == 302


def test_list_query_count_does_not_grow_with_rows(client, desk, django_assert_max_num_queries):
    login_verified(client, desk.w.head)
    # 13 for the page, 5 for the one audit entry of the names shown (savepoint, head lock, insert, update)
    with clock(NOW), django_assert_max_num_queries(18):
        response = client.get(reverse("dossiers:list"), {"tab": Tab.ALL})
    assert len(codes_in(response)) == 7
    for n in range(10):
        receive(desk.w, at(2026, 5, 5, 9, n), f"Người nộp {n}")
    with clock(NOW), django_assert_max_num_queries(18):
        response = client.get(reverse("dossiers:list"), {"tab": Tab.ALL})
    assert len(codes_in(response)) == 17


def test_full_names_in_a_list_are_a_logged_personal_read_masked_names_are_not(client, desk):
    from antt.core.models import AuditEvent

    # given a head (person.view) and a supervisor (no person.view)
    reads = AuditEvent.objects.filter(action="read_personal", object_type="dossiers.dossier", object_id="")
    before = reads.count()
    # when the head opens the list
    response = page(client, desk.w.head, tab=Tab.ALL)
    # then one entry names the dossiers whose applicants were shown
    entry = reads.order_by("-seq").first()
    assert reads.count() == before + 1
    assert set(entry.changes["dossiers"]) == {Dossier.objects.get(code=c).pk for c in codes_in(response)}
    # when the supervisor opens it, names are masked and nothing is logged
    client.logout()
    page(client, desk.w.supervisor, tab=Tab.ALL)
    assert reads.count() == before + 1
