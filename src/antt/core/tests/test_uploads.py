"""Upload checks: type by content, size, integrity; stored byte for byte under a random name."""

import hashlib
import io
import re

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from fpdf import FPDF
from PIL import Image

from antt.core.uploads import UploadError, check_upload, sanitise_name, store_upload


def make_pdf(*, password: str | None = None) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.cell(text="Don de nghi cap giay chung nhan du dieu kien ve ANTT")
    if password:
        pdf.set_encryption(owner_password=password, user_password=password)
    return bytes(pdf.output())


def make_image(fmt: str, size=(64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.mark.parametrize(
    ("name", "content", "kind", "extension", "content_type"),
    [
        ("Đơn đề nghị.pdf", make_pdf(), "pdf", "pdf", "application/pdf"),
        ("ảnh CCCD mặt trước.png", make_image("PNG"), "png", "png", "image/png"),
        ("scan hộ khẩu.jpg", make_image("JPEG"), "jpeg", "jpg", "image/jpeg"),
    ],
)
def test_a_real_document_is_accepted_and_stored_byte_for_byte(name, content, kind, extension, content_type):
    # given a real file as a browser uploads it
    uploaded = upload(name, content, "application/octet-stream")

    # when it is checked and stored
    checked = check_upload(uploaded)
    stored = store_upload(checked, prefix="dossiers")

    # then the type comes from the content, and the stored bytes are exactly the uploaded ones
    assert (checked.kind, stored.content_type) == (kind, content_type)
    assert stored.size == len(content)
    assert stored.sha256 == hashlib.sha256(content).hexdigest()
    with default_storage.open(stored.name, "rb") as fh:
        assert hashlib.sha256(fh.read()).hexdigest() == hashlib.sha256(content).hexdigest()
    # and the path is <prefix>/<yyyy>/<mm>/<uuid4>.<ext>, without the citizen's file name
    assert re.fullmatch(rf"dossiers/\d{{4}}/\d{{2}}/[0-9a-f]{{32}}\.{extension}", stored.name)
    assert stored.original_name == name


def test_two_uploads_of_the_same_name_get_different_paths():
    first = store_upload(check_upload(upload("don.pdf", make_pdf())), prefix="dossiers")
    second = store_upload(check_upload(upload("don.pdf", make_pdf())), prefix="dossiers")
    assert first.name != second.name


def test_a_png_named_pdf_is_recognised_as_png_by_its_content():
    checked = check_upload(upload("giay-to.pdf", make_image("PNG")))
    assert (checked.kind, checked.extension) == ("png", "png")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("hoso.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200),  # a Windows program
        ("hoso.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>"),
        ("anh.jpg", b"PK\x03\x04" + b"\x00" * 100),  # a zip archive
        ("anh.png", b"GIF89a" + b"\x00" * 100),
    ],
)
def test_other_files_renamed_as_documents_are_refused(name, content):
    with pytest.raises(UploadError, match="Chỉ nhận tệp PDF, JPG hoặc PNG"):
        check_upload(upload(name, content))


def test_only_the_kinds_asked_for_are_accepted():
    with pytest.raises(UploadError, match="^Chỉ nhận tệp PDF;"):
        check_upload(upload("anh.png", make_image("PNG")), kinds=("pdf",))


def test_an_oversized_file_is_refused_with_the_limit_in_megabytes(settings):
    # given the default limit lowered to 2.5 MB
    settings.ANTT_UPLOAD_MAX_BYTES = 2_621_440
    content = make_pdf() + b"%" + b"0" * 2_621_440 + b"\n%%EOF\n"

    with pytest.raises(UploadError, match="vượt quá 2,5 MB"):
        check_upload(upload("ban-scan.pdf", content))


def test_a_stream_without_a_declared_size_is_stopped_while_reading():
    # given a bare stream (no `size`, no `chunks`) larger than the limit
    stream = io.BytesIO(make_pdf())
    stream.name = "x.pdf"
    assert len(stream.getvalue()) > 600

    with pytest.raises(UploadError, match="vượt quá 600 byte"):
        check_upload(stream, max_bytes=600)
    # and within the limit the same stream passes
    assert check_upload(stream, max_bytes=10_000).kind == "pdf"


def test_an_empty_file_is_refused():
    with pytest.raises(UploadError, match="rỗng"):
        check_upload(upload("trong.pdf", b""))


def test_a_truncated_pdf_is_refused():
    content = make_pdf()
    with pytest.raises(UploadError, match="Tệp PDF “dang-do.pdf” bị hỏng"):
        check_upload(upload("dang-do.pdf", content[: len(content) // 2]))


def test_an_encrypted_pdf_is_refused():
    with pytest.raises(UploadError, match="bị mã hóa"):
        check_upload(upload("mat-khau.pdf", make_pdf(password="123456")))


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_a_damaged_image_is_refused(fmt):
    content = make_image(fmt, size=(400, 300))
    with pytest.raises(UploadError, match="bị hỏng"):
        check_upload(upload("anh." + fmt.lower(), content[: len(content) // 2], "image/png"))


def test_an_image_with_too_many_pixels_is_refused(settings, monkeypatch):
    # given Pillow's pixel limit lower than the image (a decompression bomb in miniature)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    with pytest.raises(UploadError, match="quá lớn"):
        check_upload(upload("bom.png", make_image("PNG", size=(100, 100))))


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\Windows\\system32\\a.pdf", "a.pdf"),
        ("C:\\Users\\Lan\\Đơn đề nghị.pdf", "Đơn đề nghị.pdf"),
        ("..", "tep-dinh-kem"),
        ("", "tep-dinh-kem"),
        ("bad\x00name<>.pdf", "badname.pdf"),
    ],
)
def test_file_names_lose_their_folders_and_unsafe_characters(raw, clean):
    assert sanitise_name(raw) == clean


def test_a_long_file_name_is_cut_to_200_characters_keeping_its_extension():
    name = sanitise_name("Giấy tờ " * 60 + ".pdf")
    assert len(name) <= 200
    assert name.endswith(".pdf")


def test_a_path_traversal_name_never_reaches_the_storage_path():
    # given an upload whose name tries to climb out of the media folder
    stored = store_upload(check_upload(upload("../../../../tmp/evil.pdf", make_pdf())), prefix="dossiers")

    assert stored.name.startswith("dossiers/")
    assert "evil" not in stored.name and ".." not in stored.name
    assert stored.original_name == "evil.pdf"


@pytest.mark.parametrize("prefix", ["../x", "/abs", "Dossiers", "a//b", ""])
def test_an_unsafe_storage_prefix_is_refused(prefix):
    checked = check_upload(upload("don.pdf", make_pdf()))
    with pytest.raises(ValueError, match="prefix"):
        store_upload(checked, prefix=prefix)
