"""A returned one-stop dossier acts on the registry, end to end through `antt.dossiers.services`:
"Cấp mới" (seed 3.01) issues the certificate, "Cấp đổi" (3.02) and "Cấp lại" (3.03) replace it;
without the establishment, or when the issue is refused, the return itself is refused and the
dossier stays processed."""

from __future__ import annotations

import pytest
from django.utils import timezone

from antt.core.models import AuditEvent
from antt.dossiers.models import Dossier, Status
from antt.dossiers.services import (
    UploadIn,
    dossier_accept,
    dossier_approve,
    dossier_attach_result,
    dossier_forward,
    dossier_return,
    dossier_start,
    dossier_submit_online,
)
from antt.dossiers.tests.factories import applicant, make_procedure, one_stop_world, pdf_upload
from antt.dossiers.workflow import TransitionError
from antt.establishments import certificates as svc
from antt.establishments.errors import EstablishmentError
from antt.establishments.models import Certificate, ChangeEntry
from antt.establishments.tests.factories import establishments_world
from antt.establishments.tests.test_certificates import est

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return establishments_world()


@pytest.fixture
def osw():
    world = one_stop_world(days=5)
    world.version.procedure.seed_ref = "3.01"
    world.version.procedure.name = "Cấp mới Giấy chứng nhận đủ điều kiện về an ninh, trật tự"
    world.version.procedure.save()
    return world


def procedure(seed_ref: str):
    version = make_procedure(days=4)
    version.procedure.seed_ref = seed_ref
    version.procedure.save()
    return version.procedure


def processed(osw, *, form_data=None, proc=None) -> Dossier:
    """An online dossier taken to "processed": accepted, processed, approved by the head."""
    d = dossier_submit_online(
        procedure=proc or osw.procedure,
        level="commune",
        unit=osw.unit,
        applicant=applicant(kind="organisation", name="Công ty TNHH Ánh Dương", id_number="", birth_date=None),
        uploads=[UploadIn(pdf_upload())],
        form_data=form_data,
    )
    d = dossier_accept(officer=osw.receptionist, dossier=d)
    d = dossier_start(officer=osw.receptionist, dossier=d, assignee=osw.processor)
    dossier_attach_result(officer=osw.processor, dossier=d, name="Giấy chứng nhận đủ điều kiện về ANTT")
    d.refresh_from_db()
    d = dossier_forward(officer=osw.processor, dossier=d, assignee=osw.head)
    d = dossier_approve(officer=osw.head, dossier=d)
    assert d.status == Status.PROCESSED
    return d


def test_returned_new_certificate_dossier_issues_the_certificate(w, osw):
    # given an establishment managed by the unit that handles the dossier, and an online dossier
    # that carries it (as a business account's submission does)
    e = est(w, unit=osw.unit, lines=["t-karaoke", "t-luu-tru"])
    d = processed(osw, form_data={"establishment": {"id": e.pk, "lines": ["t-karaoke"]}})
    # when the desk returns the result
    d = dossier_return(officer=osw.receptionist, dossier=d)
    # then the certificate exists, issued by the dossier's unit on the day of return
    assert d.status == Status.RETURNED
    c = Certificate.objects.get(establishment=e)
    assert c.dossier_id == d.pk and c.unit == osw.unit and c.kind == "new"
    assert c.issued_on == timezone.localdate() and c.status == Certificate.Status.VALID
    assert [line.code for line in c.lines.all()] == ["t-karaoke"]
    assert c.holder_name == "Lê Thị An Ninh" and c.issued_by == osw.receptionist
    assert f"Hồ sơ {d.code}" in c.events.get().reason
    assert ChangeEntry.objects.filter(entity="certificate", object_id=c.pk, action="issued").exists()


def test_return_without_establishment_is_refused_and_nothing_is_written(w, osw):
    d = processed(osw)
    with pytest.raises(TransitionError) as err:
        dossier_return(officer=osw.receptionist, dossier=d)
    assert err.value.status == 409 and "chưa gắn cơ sở" in err.value.message
    d.refresh_from_db()
    assert d.status == Status.PROCESSED and d.returned_at is None
    assert not Certificate.objects.exists()
    assert not d.events.filter(action="return").exists()
    # when the processor links the establishment, the return goes through
    e = est(w, unit=osw.unit)
    svc.dossier_link_establishment(officer=osw.processor, dossier=d, establishment=e, line_codes=["t-karaoke"])
    d.refresh_from_db()
    assert d.form_data["establishment"] == {"id": e.pk, "lines": ["t-karaoke"]}
    assert AuditEvent.objects.filter(object_type="dossiers.dossier", object_id=str(d.pk), action="update").exists()
    dossier_return(officer=osw.receptionist, dossier=d)
    assert Certificate.objects.get(establishment=e).dossier_id == d.pk


def test_refused_issue_refuses_the_return(w, osw):
    # the dossier asks for a line the establishment has not registered
    e = est(w, unit=osw.unit, lines=["t-karaoke"])
    d = processed(osw, form_data={"establishment": {"id": e.pk, "lines": ["t-cam-do"]}})
    with pytest.raises(TransitionError) as err:
        dossier_return(officer=osw.receptionist, dossier=d)
    assert err.value.status == 422 and "Cơ sở chưa đăng ký ngành, nghề" in err.value.message
    d.refresh_from_db()
    assert d.status == Status.PROCESSED
    assert not Certificate.objects.exists()
    # a second "cấp mới" while one is valid: 409 at return
    e2 = est(w, unit=osw.unit, name="Karaoke Có Giấy")
    svc.certificate_issue(officer=None, establishment=e2, line_codes=["t-karaoke"], dossier=d)
    d2 = processed(osw, form_data={"establishment": {"id": e2.pk, "lines": ["t-karaoke"]}})
    with pytest.raises(TransitionError) as err:
        dossier_return(officer=osw.receptionist, dossier=d2)
    assert err.value.status == 409 and "cấp đổi" in err.value.message


@pytest.mark.parametrize(
    ("seed_ref", "old_status", "kind"), [("3.02", "replaced", "change"), ("3.03", "void", "reissue")]
)
def test_change_and_reissue_dossiers_replace_the_certificate_in_force(w, osw, seed_ref, old_status, kind):
    e = est(w, unit=osw.unit, lines=["t-karaoke", "t-luu-tru"])
    first = processed(osw, form_data={"establishment": {"id": e.pk, "lines": ["t-karaoke"]}})
    dossier_return(officer=osw.receptionist, dossier=first)
    old = Certificate.objects.get(establishment=e)
    # a change brings lodging in; a re-issue without lines keeps the old ones
    lines = ["t-karaoke", "t-luu-tru"] if kind == "change" else []
    d = processed(osw, proc=procedure(seed_ref), form_data={"establishment": {"id": e.pk, "lines": lines}})
    dossier_return(officer=osw.receptionist, dossier=d)
    old.refresh_from_db()
    new = Certificate.objects.get(establishment=e, status="valid")
    assert old.status == old_status and new.replaces == old and new.kind == kind and new.dossier_id == d.pk
    expected = ["t-karaoke", "t-luu-tru"] if kind == "change" else ["t-karaoke"]
    assert sorted(line.code for line in new.lines.all()) == expected


def test_change_dossier_without_a_certificate_in_force_is_refused(w, osw):
    e = est(w, unit=osw.unit)
    d = processed(osw, proc=procedure("3.02"), form_data={"establishment": {"id": e.pk, "lines": []}})
    with pytest.raises(TransitionError) as err:
        dossier_return(officer=osw.receptionist, dossier=d)
    assert err.value.status == 409 and "chưa có giấy chứng nhận còn hiệu lực" in err.value.message
    d.refresh_from_db()
    assert d.status == Status.PROCESSED


def test_other_procedures_are_not_touched(w, osw):
    other = make_procedure(days=3).procedure  # no seed_ref: no registry action
    d = processed(osw, proc=other)
    dossier_return(officer=osw.receptionist, dossier=d)
    assert not Certificate.objects.exists()


def test_fire_record_dossier_goes_to_the_fire_helper(w, osw, monkeypatch):
    from antt.establishments import fire

    calls = []
    monkeypatch.setattr(fire, "apply_returned_dossier", lambda **kw: calls.append(kw))
    e = est(w, unit=osw.unit)
    d = processed(osw, proc=procedure("7.12"), form_data={"establishment": {"id": e.pk, "lines": []}})
    dossier_return(officer=osw.receptionist, dossier=d)
    assert len(calls) == 1 and calls[0]["action"].action == "fire_record" and calls[0]["dossier"].pk == d.pk
    assert not Certificate.objects.exists()


def test_link_page_service_rules(w, osw):
    e = est(w, unit=osw.unit, lines=["t-karaoke"])
    d = processed(osw)
    # a new-certificate dossier needs lines; a line not registered is 422
    with pytest.raises(EstablishmentError) as err:
        svc.dossier_link_establishment(officer=osw.processor, dossier=d, establishment=e, line_codes=[])
    assert err.value.status == 400
    with pytest.raises(EstablishmentError) as err:
        svc.dossier_link_establishment(officer=osw.processor, dossier=d, establishment=e, line_codes=["t-cam-do"])
    assert err.value.status == 422
    # an establishment the officer does not see: 404; a role without dossier work: 403
    hidden = est(w, unit=w.commune_b, name="Karaoke Khác Tỉnh")
    with pytest.raises(EstablishmentError) as err:
        svc.dossier_link_establishment(officer=osw.processor, dossier=d, establishment=hidden, line_codes=["t-karaoke"])
    assert err.value.status == 404
    with pytest.raises(EstablishmentError) as err:
        svc.dossier_link_establishment(officer=osw.supervisor, dossier=d, establishment=e, line_codes=["t-karaoke"])
    assert err.value.status == 403
    d.refresh_from_db()
    assert "establishment" not in d.form_data
    # a returned dossier cannot be relinked
    svc.dossier_link_establishment(officer=osw.processor, dossier=d, establishment=e, line_codes=["t-karaoke"])
    d = dossier_return(officer=osw.receptionist, dossier=Dossier.objects.get(pk=d.pk))
    with pytest.raises(EstablishmentError) as err:
        svc.dossier_link_establishment(officer=osw.processor, dossier=d, establishment=e, line_codes=["t-karaoke"])
    assert err.value.status == 409


def test_fire_record_dossier_without_establishment_is_refused_by_the_fire_helper(w, osw):
    d = processed(osw, proc=procedure("7.12"))
    with pytest.raises(TransitionError) as err:
        dossier_return(officer=osw.receptionist, dossier=d)
    assert err.value.status == 409 and "chưa gắn cơ sở" in err.value.message
    d.refresh_from_db()
    assert d.status == Status.PROCESSED
