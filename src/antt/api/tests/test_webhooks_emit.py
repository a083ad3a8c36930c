"""The three emission points: a dossier changing state, a certificate revoked, a licence suspended.
Each change emits exactly one event with a payload free of personal data; a refused or rolled-back
change emits nothing."""

from __future__ import annotations

import itertools
import json

import pytest
from django.db import transaction

from antt.api.models import WebhookDelivery, WebhookEvent
from antt.api.tests.test_webhooks_support import make_key, subscribe
from antt.dossiers.models import Status
from antt.dossiers.services import DocumentReceipt, dossier_forward, dossier_receive, dossier_start
from antt.dossiers.tests.factories import applicant, one_stop_world
from antt.dossiers.workflow import TransitionError

pytestmark = pytest.mark.django_db


def events(event_type: str) -> list[WebhookEvent]:
    return list(WebhookEvent.objects.filter(type=event_type).order_by("occurred_at"))


def assert_no_personal_data(payload: dict, *values: str) -> None:
    text = json.dumps(payload, ensure_ascii=False)
    for value in values:
        assert value not in text, value


# --- dossiers ---------------------------------------------------------------------------------


@pytest.fixture
def ow():
    return one_stop_world(days=3)


def receive(ow):
    docs = [DocumentReceipt(required_document_id=d.pk, originals=1) for d in ow.version.documents.all()]
    return dossier_receive(
        officer=ow.receptionist, procedure=ow.procedure, level="commune", applicant=applicant(), documents=docs
    ).dossier


def test_each_dossier_state_change_emits_one_event_without_personal_data(ow):
    # given an agency subscribed to the unit's dossiers
    key, _ = make_key(units=[ow.unit])
    sub = subscribe(key, events=["dossier.state_changed"])
    # when a dossier is received and then started
    d = receive(ow)
    assert len(events("dossier.state_changed")) == 1
    d = dossier_start(officer=ow.receptionist, dossier=d, assignee=ow.processor)
    # then two events: received (from nothing), then received → processing
    first, second = events("dossier.state_changed")
    assert (first.payload["old_state"], first.payload["new_state"]) == (None, Status.RECEIVED)
    assert (second.payload["old_state"], second.payload["new_state"]) == (Status.RECEIVED, Status.PROCESSING)
    p = second.payload
    assert p["dossier_code"] == d.code and p["procedure_code"] == ow.procedure.code
    assert p["new_state_label"] == "Đang xử lý" and p["old_state_label"] == str(Status.RECEIVED.label)
    assert p["unit_name"] == ow.unit.name and p["due_at"] == d.due_at.isoformat()
    assert second.unit == d.unit and second.object_id == str(d.pk)
    a = applicant()
    assert_no_personal_data(p, a.name, a.id_number, "0912", a.email, a.address)
    assert set(WebhookDelivery.objects.values_list("subscription_id", flat=True)) == {sub.pk}
    assert WebhookDelivery.objects.count() == 2


def test_a_step_without_a_state_change_emits_nothing(ow):
    d = dossier_start(officer=ow.receptionist, dossier=receive(ow), assignee=ow.processor)
    before = WebhookEvent.objects.count()
    try:
        dossier_forward(officer=ow.processor, dossier=d, assignee=ow.head)
    except TransitionError:
        pytest.skip("this procedure has no second step to forward to")
    d.refresh_from_db()
    assert d.status == Status.PROCESSING
    assert WebhookEvent.objects.count() == before


def test_a_refused_or_rolled_back_dossier_transition_emits_nothing(ow):
    d = receive(ow)
    before = WebhookEvent.objects.count()
    # refused: another unit's officer
    with pytest.raises(TransitionError):
        dossier_start(officer=ow.other_receptionist, dossier=d)
    # rolled back by the caller after the service ran
    with pytest.raises(RuntimeError), transaction.atomic():
        dossier_start(officer=ow.receptionist, dossier=d, assignee=ow.processor)
        assert WebhookEvent.objects.count() == before + 1
        raise RuntimeError("the caller's transaction fails")
    assert WebhookEvent.objects.count() == before
    assert WebhookDelivery.objects.count() == 0


# --- certificates -----------------------------------------------------------------------------

_codes = itertools.count(3_900_000, 2)


@pytest.fixture
def ew():
    from antt.establishments.tests.factories import establishments_world

    return establishments_world()


def certificate(ew, **extra):
    from antt.establishments import certificates as svc
    from antt.establishments.tests.factories import make_establishment, valid_tax_code

    e = make_establishment(ew, tax_code=valid_tax_code(next(_codes)), **extra)
    return svc.certificate_issue(officer=ew.head_a, establishment=e, line_codes=["t-karaoke"])


def revoke(ew, c):
    from antt.establishments import certificates as svc

    return svc.certificate_revoke(
        officer=ew.head_a,
        certificate=c,
        ground_code="18.1.a",
        reason="Khai man thông tin trong hồ sơ",
        decision_number="02/QĐ-TH",
    )


def test_revoking_a_certificate_emits_one_event_without_personal_data(ew):
    key, _ = make_key(units=[ew.commune_a])
    subscribe(key, events=["certificate.revoked"])
    c = certificate(ew)
    assert events("certificate.revoked") == []
    revoke(ew, c)
    (event,) = events("certificate.revoked")
    p = event.payload
    assert p["certificate_number"] == c.number and p["certificate_status"] == "revoked"
    assert p["whole_certificate"] is True and p["lines_revoked"] == ["t-karaoke"]
    assert p["decision_number"] == "02/QĐ-TH" and p["ground_code"] == "18.1.a"
    assert p["establishment_id"] == c.establishment_id and p["establishment_name"] == "Karaoke Ánh Dương"
    assert event.unit == c.unit
    assert_no_personal_data(p, "Nguyễn Văn Chủ", "Lê Thị An Ninh", "038090012345", "038190054321", "0912000")
    assert WebhookDelivery.objects.filter(event=event).count() == 1


def test_a_household_business_name_is_not_sent(ew):
    c = certificate(ew, kind="household", name="Hộ kinh doanh Nguyễn Văn Chủ")
    revoke(ew, c)
    (event,) = events("certificate.revoked")
    assert event.payload["establishment_name"] is None
    assert_no_personal_data(event.payload, "Nguyễn Văn Chủ")


def test_a_refused_or_rolled_back_revocation_emits_nothing(ew):
    from antt.establishments.errors import EstablishmentError

    c = certificate(ew)
    with pytest.raises(RuntimeError), transaction.atomic():
        revoke(ew, c)
        raise RuntimeError("the caller's transaction fails")
    assert events("certificate.revoked") == []
    revoke(ew, c)
    with pytest.raises(EstablishmentError):
        revoke(ew, c)  # already revoked: 409
    assert len(events("certificate.revoked")) == 1


# --- licence suspensions ----------------------------------------------------------------------


@pytest.fixture
def vw():
    from antt.violations.tests.factories import violations_world

    return violations_world()


def suspend(vw, **kw):
    from datetime import date

    from antt.violations.services import LineInput
    from antt.violations.tests.factories import ALCOHOL_CAR, VIOLATED_AT, make_decision, make_record

    record = make_record(vw, behaviour_codes=[ALCOHOL_CAR], plate="36A-123.45", vehicle_kind="car")
    return make_decision(
        vw,
        record=record,
        officer=vw.director,
        lines=[LineInput(ALCOHOL_CAR, suspension_months=23)],
        licence={"number": "360123456789", "class": "b"},
        issued_at=VIOLATED_AT.replace(hour=11),
        delivered_on=date(2026, 3, 10),
        **kw,
    )


def test_a_licence_suspension_emits_one_event_without_personal_data(vw):
    key, _ = make_key()
    subscribe(key, events=["licence.suspended"])
    decision = suspend(vw)
    (event,) = events("licence.suspended")
    s = decision.suspensions.get()
    p = event.payload
    assert p["decision_number"] == decision.number and p["licence_kind"] == "driving"
    assert (p["starts_on"], p["ends_on"], p["months"]) == (s.starts_on.isoformat(), s.ends_on.isoformat(), 23)
    assert p["licence_class"] == "B" and event.object_id == str(s.pk) and event.unit == s.unit
    assert_no_personal_data(p, "360123456789", s.holder_name, decision.violator_id_number or "∅")
    assert WebhookDelivery.objects.filter(event=event).count() == 1


def test_a_decision_without_suspension_or_rolled_back_emits_nothing(vw):
    from antt.violations.tests.factories import make_decision

    make_decision(vw)  # a helmet fine: no licence suspended
    assert events("licence.suspended") == []
    with pytest.raises(RuntimeError), transaction.atomic():
        suspend(vw)
        raise RuntimeError("the caller's transaction fails")
    assert events("licence.suspended") == []
