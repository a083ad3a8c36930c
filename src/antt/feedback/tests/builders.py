"""Dossiers moved through the real services, at chosen moments (timezone.now patched).

w = one_stop_world(days=3)
d = receive(w, at(2026, 5, 4, 9))
finish(w, d, at(2026, 5, 6, 10))            # processed early, then returned the same moment
"""

from __future__ import annotations

from datetime import datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

from antt.core import calendar
from antt.dossiers.models import Dossier, Timeliness
from antt.dossiers.services import (
    DocumentReceipt,
    UploadIn,
    dossier_accept,
    dossier_apologise,
    dossier_approve,
    dossier_attach_result,
    dossier_forward,
    dossier_receive,
    dossier_return,
    dossier_start,
    dossier_submit_online,
    dossier_withdraw,
)
from antt.dossiers.tests.factories import applicant, pdf_upload

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=VN)


def _now(when: datetime):
    return mock.patch("django.utils.timezone.now", return_value=when)


def receive(w, when: datetime, *, unit=None, receptionist=None, procedure=None, uploads=False) -> Dossier:
    """A counter dossier received at `when` (by `receptionist`, default the world's)."""
    version = (procedure or w.procedure).versions.first() if procedure else w.version
    docs = [DocumentReceipt(required_document_id=d.pk, originals=1) for d in version.documents.all()]
    with _now(when):
        return dossier_receive(
            officer=receptionist or w.receptionist,
            procedure=procedure or w.procedure,
            level="commune",
            applicant=applicant(),
            documents=docs,
            uploads=[UploadIn(pdf_upload())] if uploads else [],
            unit=unit,
            at=when,
        ).dossier


def submit_online(w, when: datetime, *, accept: bool = True) -> Dossier:
    with _now(when):
        d = dossier_submit_online(
            procedure=w.procedure, level="commune", unit=w.unit, applicant=applicant(), uploads=[UploadIn(pdf_upload())]
        )
        if accept:
            d = dossier_accept(officer=w.receptionist, dossier=d)
    return d


def process(
    w, d: Dossier, when: datetime, *, result_file: bool = False, head=None, processor=None, receptionist=None
) -> Dossier:
    """Start, attach a result, forward and approve at `when`: the dossier is PROCESSED."""
    processor = processor or w.processor
    head = head or w.head
    with _now(when):
        d = dossier_start(officer=receptionist or w.receptionist, dossier=d, assignee=processor)
        dossier_attach_result(
            officer=processor, dossier=d, name="Kết quả", upload=pdf_upload("kq.pdf") if result_file else None
        )
        d.refresh_from_db()
        d = dossier_forward(officer=processor, dossier=d, assignee=head)
        return dossier_approve(officer=head, dossier=d)


def give_back(w, d: Dossier, when: datetime, *, head=None, receptionist=None) -> Dossier:
    """Return the result at `when` (with the apology a late dossier needs first)."""
    with _now(when):
        if d.timeliness == Timeliness.LATE:
            new_day = calendar.next_working_day(when.astimezone(VN).date())
            dossier_apologise(officer=head or w.head, dossier=d, reason="Cần xác minh thêm", new_due_date=new_day)
            d.refresh_from_db()
        return dossier_return(officer=receptionist or w.receptionist, dossier=d)


def finish(w, d: Dossier, when: datetime, **kw) -> Dossier:
    d = process(w, d, when, **kw)
    return give_back(
        w, d, when + timedelta(minutes=5), **{k: v for k, v in kw.items() if k in ("head", "receptionist")}
    )


def withdraw(w, d: Dossier, when: datetime) -> Dossier:
    with _now(when):
        return dossier_withdraw(officer=w.receptionist, dossier=d, reasons="Công dân xin rút hồ sơ")
