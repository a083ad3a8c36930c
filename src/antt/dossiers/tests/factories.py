"""Builders for dossier tests: a unit with its one-stop staff and a procedure with legal time.

from antt.dossiers.tests.factories import one_stop_world, applicant, pdf_upload
w = one_stop_world()
result = dossier_receive(officer=w.receptionist, procedure=w.procedure, level="commune", applicant=applicant())
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from antt.catalog.models import Field, OnlineLevel, Procedure, ProcedureVersion, TimeUnit
from antt.catalog.services import procedure_version_publish
from antt.dossiers.services import ApplicantData
from antt.org.models import Role, Unit, User
from antt.org.tests.factories import make_officer, make_unit

_seq = itertools.count(1)


def make_procedure(
    *,
    days: int | str = 3,
    unit: str = TimeUnit.WORKING_DAYS,
    online: str = OnlineLevel.FULL,
    levels=("commune",),
    fee: int = 0,
    documents=("Tờ khai thay đổi thông tin cư trú (Mẫu CT01)", "Giấy tờ chứng minh chỗ ở hợp pháp"),
    valid_from: date = date(2020, 1, 1),
) -> ProcedureVersion:
    n = next(_seq)
    field, _ = Field.objects.get_or_create(slug="cu-tru-thu", defaults={"name": "Đăng ký, quản lý cư trú"})
    procedure = Procedure.objects.create(code=f"T.{n:06d}", name=f"Đăng ký tạm trú (thử {n})", field=field)
    fees = [{"channel": "in_person", "amount": fee}, {"channel": "online", "amount": fee // 2}] if fee else []
    return procedure_version_publish(
        actor=None,
        procedure=procedure,
        valid_from=valid_from,
        legal_time_amount=Decimal(days) if days is not None else None,
        legal_time_unit=unit if days is not None else "",
        online_level=online,
        levels=levels,
        documents=[{"name": d, "originals": 1} for d in documents],
        fees=fees,
    )


@dataclass
class OneStopWorld:
    province: Unit
    unit: Unit
    other_unit: Unit
    receptionist: User
    processor: User
    processor2: User
    head: User
    supervisor: User
    other_receptionist: User
    version: ProcedureVersion

    @property
    def procedure(self) -> Procedure:
        return self.version.procedure


def one_stop_world(**procedure_kwargs) -> OneStopWorld:
    province = make_unit("Công an tỉnh Thử", level=Unit.Level.PROVINCE, agency_code="H56.14")
    unit = make_unit("Công an phường Hạc Thành", parent=province)
    other = make_unit("Công an phường Hàm Rồng", parent=province)
    return OneStopWorld(
        province=province,
        unit=unit,
        other_unit=other,
        receptionist=make_officer(unit, role=Role.RECEPTIONIST, full_name="Lê Thị Thu Trang"),
        processor=make_officer(unit, role=Role.PROCESSOR, full_name="Nguyễn Văn Xử"),
        processor2=make_officer(unit, role=Role.PROCESSOR, full_name="Trần Văn Lý"),
        head=make_officer(unit, role=Role.HEAD, full_name="Hoàng Văn Đạo"),
        supervisor=make_officer(province, role=Role.SUPERVISOR, full_name="Đỗ Văn Thành"),
        other_receptionist=make_officer(other, role=Role.RECEPTIONIST, full_name="Nguyễn Đức Anh"),
        version=make_procedure(**procedure_kwargs),
    )


def applicant(**overrides) -> ApplicantData:
    values = {
        "kind": "person",
        "name": "Đặng Thị Ngọc Hường",
        "id_number": "038190000123",
        "birth_date": date(1990, 2, 17),
        "phone": "0912 345 678",
        "email": "huong@example.vn",
        "address": "Số 5 đường Lê Lợi",
    }
    values.update(overrides)
    return ApplicantData(**values)


# A minimal valid PDF (one empty page), built once.
def _minimal_pdf() -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    return bytes(pdf.output())


MINIMAL_PDF = None


def pdf_upload(name: str = "to-khai.pdf") -> SimpleUploadedFile:
    global MINIMAL_PDF
    if MINIMAL_PDF is None:
        MINIMAL_PDF = _minimal_pdf()
    return SimpleUploadedFile(name, MINIMAL_PDF, content_type="application/pdf")
