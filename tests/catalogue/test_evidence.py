"""Certification evidence checks: a PDF or a decodable image, within the evidence size limit."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from catalogue.validators import (
    random_storage_name,
    safe_display_name,
    validate_evidence_upload,
    validate_image_upload,
)
from tests.catalogue import image_zoo


@pytest.fixture(autouse=True)
def _english_messages():
    # The reasons below are asserted in English; Korean messages are checked in tests/web.
    with translation.override("en"):
        yield


def as_upload(data: bytes, name: str = "evidence.pdf", content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def refusal(upload) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        validate_evidence_upload(upload)
    return info.value


def test_pdf_evidence_is_accepted():
    evidence = validate_evidence_upload(as_upload(image_zoo.pdf_document()))

    assert (evidence.kind, evidence.extension) == ("pdf", "pdf")
    assert evidence.size == len(image_zoo.pdf_document())


def test_pdf_named_like_an_image_is_still_recognised_as_pdf():
    evidence = validate_evidence_upload(
        as_upload(image_zoo.pdf_document(), "scan.jpg", "image/jpeg")
    )

    assert evidence.kind == "pdf"


def test_image_evidence_is_decoded_and_accepted():
    evidence = validate_evidence_upload(as_upload(image_zoo.plain_png(), "cert.png", "image/png"))

    assert (evidence.kind, evidence.extension) == ("image", "png")
    assert (evidence.image.width, evidence.image.height) == (40, 30)


def test_html_renamed_pdf_is_refused():
    error = refusal(as_upload(image_zoo.html_document(), "cert.pdf"))

    assert error.code == "unsupported_format"
    assert "PDF document or a JPEG, PNG or WebP image" in error.messages[0]
    assert "HTML/XML document" in error.messages[0]


def test_pdf_without_end_marker_is_refused_as_truncated():
    data = image_zoo.pdf_document().replace(b"%%EOF", b"")

    error = refusal(as_upload(data))

    assert error.code == "truncated"
    assert "%%EOF" in error.messages[0]


def test_evidence_over_the_size_limit_is_refused(settings):
    limit = settings.EVIDENCE_UPLOAD_MAX_BYTES
    pdf = image_zoo.pdf_document()
    data = pdf[:9] + b"%" * (limit + 1 - len(pdf)) + pdf[9:]
    assert len(data) == limit + 1

    error = refusal(as_upload(data))

    assert error.code == "too_large"
    assert "the limit is 20 MB" in error.messages[0]


def test_evidence_at_the_size_limit_is_accepted(settings):
    settings.EVIDENCE_UPLOAD_MAX_BYTES = 4096
    pdf = image_zoo.pdf_document()
    data = pdf[:9] + b"%" * (4096 - len(pdf)) + pdf[9:]

    assert validate_evidence_upload(as_upload(data)).size == 4096


def test_image_evidence_uses_the_evidence_size_limit_not_the_image_one(settings):
    settings.IMAGE_UPLOAD_MAX_BYTES = 1000
    data = image_zoo.plain_jpeg()
    assert len(data) > 1000

    with pytest.raises(ValidationError):
        validate_image_upload(as_upload(data, "a.jpg", "image/jpeg"))
    assert validate_evidence_upload(as_upload(data, "a.jpg", "image/jpeg")).kind == "image"


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("zero_bytes", "empty"),
        ("truncated_jpeg", "truncated"),
        ("decompression_bomb", "too_many_pixels"),
        ("gif_renamed_png", "unsupported_format"),
    ],
)
def test_bad_image_evidence_is_refused_with_its_code(name, code):
    specimen = image_zoo.ZOO[name]

    error = refusal(as_upload(specimen.build(), specimen.filename, specimen.content_type))

    assert error.code == code


def test_storage_name_is_random_and_ignores_the_client_name():
    names = {random_storage_name("pdf") for _ in range(50)}

    assert len(names) == 50
    assert all(name.endswith(".pdf") and len(name) == 36 for name in names)
    assert random_storage_name("../../etc/passwd").endswith(".etcpassw")
    assert "/" not in random_storage_name("a/b")


@pytest.mark.parametrize(
    ("client_name", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\인증서 2024.pdf", "인증서 2024.pdf"),
        ("evil\x00name.pdf", "evilname.pdf"),
        ("<script>.pdf", "_script_.pdf"),
        ("...", "file"),
    ],
)
def test_display_name_is_cleaned(client_name, shown):
    assert safe_display_name(client_name) == shown


@pytest.mark.parametrize("name", ["plain_png", "truncated_jpeg", "decompression_bomb"])
def test_checking_leaves_the_upload_open_and_rewound(name):
    specimen = image_zoo.ZOO[name]
    data = specimen.build()
    upload = as_upload(data, specimen.filename, specimen.content_type)

    try:
        validate_evidence_upload(upload)
    except ValidationError:
        pass

    assert not upload.closed
    assert upload.tell() == 0
    assert upload.read() == data
