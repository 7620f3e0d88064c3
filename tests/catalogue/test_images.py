"""Image uploads through the API: every zoo specimen, ownership, and no files left behind."""

import io
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from drf_spectacular.generators import SchemaGenerator
from PIL import Image, ImageFile

import catalogue.api.images
from catalogue.images import normalise, solution_image_create
from catalogue.models import SolutionImage
from tests.catalogue import image_zoo
from tests.catalogue.image_zoo import ZOO
from tests.factories import SolutionFactory

pytestmark = pytest.mark.django_db

REFUSED = [name for name, specimen in ZOO.items() if not specimen.accepted]
ACCEPTED = [name for name, specimen in ZOO.items() if specimen.accepted]


def media_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def media_path(settings, url: str) -> Path:
    relative = url.split(settings.MEDIA_URL, 1)[1]
    return Path(settings.MEDIA_ROOT) / relative


@pytest.fixture
def solution(vendor_user):
    return SolutionFactory(vendor=vendor_user.organisation)


@pytest.fixture
def published(vendor_user):
    return SolutionFactory(vendor=vendor_user.organisation, status="published")


@pytest.fixture
def english(client_for):
    def make(user):
        client = client_for(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


def upload(client, solution_id, filename, data, content_type="image/jpeg", **extra):
    return client.post(
        f"/api/v1/solutions/{solution_id}/images/",
        {"image": SimpleUploadedFile(filename, data, content_type=content_type), **extra},
        format="multipart",
    )


def post_specimen(client, solution, name):
    specimen = ZOO[name]
    return upload(client, solution.id, specimen.filename, specimen.build(), specimen.content_type)


@pytest.mark.parametrize("name", REFUSED)
def test_zoo_specimen_is_refused_with_reason_and_leaves_no_file(
    name, english, vendor_user, solution, settings
):
    specimen = ZOO[name]
    response = post_specimen(english(vendor_user), solution, name)

    assert response.status_code == 400, response.content
    body = response.json()
    assert body["detail"] == "Invalid input."
    assert list(body["errors"]) == ["image"]
    (reason,) = body["errors"]["image"]
    assert specimen.reason in reason
    assert media_files(settings) == []
    assert not SolutionImage.objects.exists()


@pytest.mark.parametrize("name", ACCEPTED)
def test_zoo_specimen_is_accepted_reencoded_and_stripped(
    name, english, vendor_user, solution, settings
):
    response = post_specimen(english(vendor_user), solution, name)

    assert response.status_code == 201, response.content
    body = response.json()
    image = SolutionImage.objects.get(pk=body["id"])
    stored_path = media_path(settings, body["url"])
    thumb_path = media_path(settings, body["thumbnail_url"])
    assert sorted(media_files(settings)) == sorted([stored_path, thumb_path])
    assert stored_path.name != ZOO[name].filename

    stored_bytes = stored_path.read_bytes()
    with Image.open(stored_path) as stored:
        stored.load()
        assert stored.format == body["format"] == image.format
        assert stored.size == (body["width"], body["height"]) == (image.width, image.height)
        assert stored.mode in {"RGB", "RGBA"}
        assert not stored.getexif()
        assert "exif" not in stored.info and "icc_profile" not in stored.info
        assert "comment" not in stored.info and "Comment" not in stored.info
        assert getattr(stored, "n_frames", 1) == 1
    assert image_zoo.GPS_MARKER.encode() not in stored_bytes
    assert image_zoo.SCRIPT not in stored_bytes

    with Image.open(thumb_path) as thumb:
        thumb.load()
        assert thumb.format == "WEBP"
        assert max(thumb.size) <= 320
        assert not thumb.getexif()


def test_polyglot_appended_script_is_not_stored(english, vendor_user, solution, settings):
    data = image_zoo.polyglot_jpeg()
    assert image_zoo.SCRIPT in data

    response = upload(english(vendor_user), solution.id, "poly.jpg", data)

    assert response.status_code == 201
    for stored in media_files(settings):
        assert image_zoo.SCRIPT not in stored.read_bytes()
        assert b"<script" not in stored.read_bytes()


def test_exif_rotated_image_is_stored_upright_with_swapped_dimensions(
    english, vendor_user, solution, settings
):
    response = post_specimen(english(vendor_user), solution, "exif_rotated_jpeg")

    assert response.status_code == 201
    body = response.json()
    assert (body["width"], body["height"]) == (100, 200)
    with Image.open(media_path(settings, body["url"])) as stored:
        assert stored.size == (100, 200)
        assert 0x0112 not in stored.getexif()
        red_top = stored.convert("RGB").getpixel((50, 20))
        blue_bottom = stored.convert("RGB").getpixel((50, 180))
    assert red_top[0] > 200 and red_top[2] < 60
    assert blue_bottom[2] > 200 and blue_bottom[0] < 60


def test_cmyk_jpeg_is_stored_as_rgb_with_its_colour(english, vendor_user, solution, settings):
    response = post_specimen(english(vendor_user), solution, "cmyk_jpeg")

    assert response.status_code == 201
    with Image.open(media_path(settings, response.json()["url"])) as stored:
        assert stored.mode == "RGB"
        r, g, b = stored.getpixel((30, 20))
    assert r > 200 and g < 60 and b < 60


def test_sixteen_bit_image_is_scaled_not_clipped_to_white(english, vendor_user, solution, settings):
    response = post_specimen(english(vendor_user), solution, "sixteen_bit_png")

    assert response.status_code == 201
    with Image.open(media_path(settings, response.json()["url"])) as stored:
        r, g, b = stored.getpixel((25, 20))
    assert abs(r - 128) <= 6 and r == g == b


def test_animated_webp_keeps_only_its_first_frame(english, vendor_user, solution, settings):
    response = post_specimen(english(vendor_user), solution, "animated_webp")

    assert response.status_code == 201
    body = response.json()
    assert body["format"] == "JPEG"
    with Image.open(media_path(settings, body["url"])) as stored:
        assert getattr(stored, "n_frames", 1) == 1
        r, g, b = stored.getpixel((10, 10))
    assert r > 200 and b < 60  # the first frame is red, the second blue


def test_transparent_image_is_stored_as_webp_with_alpha(english, vendor_user, solution, settings):
    response = post_specimen(english(vendor_user), solution, "palette_png_with_transparency")

    assert response.status_code == 201
    body = response.json()
    assert body["format"] == "WEBP"
    with Image.open(media_path(settings, body["url"])) as stored:
        assert stored.mode == "RGBA"
        assert stored.getpixel((2, 2))[3] == 0
        assert stored.getpixel((15, 2))[3] == 255


def test_opaque_rgba_is_stored_as_jpeg(english, vendor_user, solution):
    response = post_specimen(english(vendor_user), solution, "rgba_png_opaque")

    assert response.status_code == 201
    assert response.json()["format"] == "JPEG"


def test_large_image_is_limited_to_2560_on_the_long_side(english, vendor_user, solution, settings):
    response = post_specimen(english(vendor_user), solution, "large_jpeg")

    assert response.status_code == 201
    body = response.json()
    assert (body["width"], body["height"]) == (2560, 853)
    with Image.open(media_path(settings, body["thumbnail_url"])) as thumb:
        assert thumb.size == (320, 107)


def test_file_over_the_byte_limit_is_refused_before_decoding(
    english, vendor_user, solution, settings
):
    data = image_zoo.oversized_jpeg(settings.IMAGE_UPLOAD_MAX_BYTES)
    assert len(data) == settings.IMAGE_UPLOAD_MAX_BYTES + 1

    response = upload(english(vendor_user), solution.id, "huge.jpg", data)

    assert response.status_code == 400
    (reason,) = response.json()["errors"]["image"]
    assert "the limit is 10 MB" in reason
    assert media_files(settings) == []


def test_pixel_limit_comes_from_settings(english, vendor_user, solution, settings):
    settings.IMAGE_MAX_PIXELS = 1000
    response = upload(english(vendor_user), solution.id, "p.png", image_zoo.plain_png())

    assert response.status_code == 400
    assert "40 × 30 pixels" in response.json()["errors"]["image"][0]


def test_truncated_images_stay_refused_globally():
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_missing_image_field_is_a_400_naming_the_field(english, vendor_user, solution):
    response = english(vendor_user).post(
        f"/api/v1/solutions/{solution.id}/images/", {"alt_en": "x"}, format="multipart"
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["image"]


def test_too_long_alt_text_is_refused_without_files(english, vendor_user, solution, settings):
    response = upload(
        english(vendor_user), solution.id, "a.png", image_zoo.plain_png(), alt_en="x" * 301
    )

    assert response.status_code == 400
    assert "alt_en" in response.json()["errors"]
    assert media_files(settings) == []


def test_alt_texts_and_positions_are_kept(english, vendor_user, solution):
    client = english(vendor_user)
    first = upload(client, solution.id, "a.png", image_zoo.plain_png(), alt_ko="주차 센서")
    second = upload(client, solution.id, "b.png", image_zoo.plain_png(), alt_en="A sensor")

    assert first.json()["alt_ko"] == "주차 센서"
    assert second.json()["alt_en"] == "A sensor"
    assert [first.json()["position"], second.json()["position"]] == [0, 1]
    listed = client.get(f"/api/v1/solutions/{solution.id}/images/").json()
    assert [item["id"] for item in listed] == [first.json()["id"], second.json()["id"]]


def test_upload_schedules_a_search_reindex(
    english, vendor_user, solution, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = upload(english(vendor_user), solution.id, "a.png", image_zoo.plain_png())

    assert response.status_code == 201
    assert len(callbacks) == 1


def test_anonymous_cannot_upload(english, published, settings):
    response = upload(english(None), published.id, "a.png", image_zoo.plain_png())

    assert response.status_code in {401, 403}
    assert media_files(settings) == []


def test_anonymous_sees_images_of_published_solution_only(english, vendor_user, published):
    draft = SolutionFactory(vendor=vendor_user.organisation)
    assert (
        upload(english(vendor_user), published.id, "a.png", image_zoo.plain_png()).status_code
        == 201
    )

    listed = english(None).get(f"/api/v1/solutions/{published.id}/images/")
    hidden = english(None).get(f"/api/v1/solutions/{draft.id}/images/")

    assert listed.status_code == 200 and len(listed.json()) == 1
    assert listed.json()[0]["thumbnail_url"].startswith("http://testserver/media/thumbnails/")
    assert hidden.status_code == 404


def test_vendor_cannot_upload_to_other_vendors_solution(
    english, other_vendor_user, published, solution, settings
):
    client = english(other_vendor_user)

    visible = upload(client, published.id, "a.png", image_zoo.plain_png())
    draft = upload(client, solution.id, "a.png", image_zoo.plain_png())

    assert visible.status_code == 403
    assert draft.status_code == 404
    assert media_files(settings) == []
    assert not SolutionImage.objects.exists()


def test_municipality_cannot_upload_to_a_published_solution(english, municipality_user, published):
    response = upload(english(municipality_user), published.id, "a.png", image_zoo.plain_png())

    assert response.status_code == 403


def test_operator_can_upload_and_delete(
    english, operator_user, solution, settings, django_capture_on_commit_callbacks
):
    client = english(operator_user)
    response = upload(client, solution.id, "a.png", image_zoo.plain_png())
    assert response.status_code == 201

    with django_capture_on_commit_callbacks(execute=True):
        deleted = client.delete(f"/api/v1/images/{response.json()['id']}/")

    assert deleted.status_code == 204
    assert media_files(settings) == []


def test_owner_deletes_image_and_its_files(
    english, vendor_user, solution, settings, django_capture_on_commit_callbacks
):
    client = english(vendor_user)
    image_id = upload(client, solution.id, "a.jpg", image_zoo.plain_jpeg()).json()["id"]
    assert len(media_files(settings)) == 2

    with django_capture_on_commit_callbacks(execute=True):
        response = client.delete(f"/api/v1/images/{image_id}/")

    assert response.status_code == 204
    assert not SolutionImage.objects.filter(pk=image_id).exists()
    assert media_files(settings) == []


def test_vendor_cannot_delete_other_vendors_image(
    english, vendor_user, other_vendor_user, published, solution, settings
):
    owner = english(vendor_user)
    public_image = upload(owner, published.id, "a.png", image_zoo.plain_png()).json()["id"]
    draft_image = upload(owner, solution.id, "b.png", image_zoo.plain_png()).json()["id"]
    intruder = english(other_vendor_user)

    assert intruder.delete(f"/api/v1/images/{public_image}/").status_code == 403
    assert intruder.delete(f"/api/v1/images/{draft_image}/").status_code == 404
    assert english(None).delete(f"/api/v1/images/{public_image}/").status_code in {401, 403}
    assert SolutionImage.objects.count() == 2
    assert len(media_files(settings)) == 4


def test_failure_after_writing_the_image_removes_it(vendor_user, solution, settings):
    # A plain file where the thumbnails folder should be: the second write fails for real.
    Path(settings.MEDIA_ROOT).mkdir(parents=True)
    blocker = Path(settings.MEDIA_ROOT) / "thumbnails"
    blocker.write_bytes(b"in the way")
    upload_file = SimpleUploadedFile("a.jpg", image_zoo.plain_jpeg(), content_type="image/jpeg")

    with pytest.raises(OSError):
        solution_image_create(user=vendor_user, solution=solution, upload=upload_file)

    assert media_files(settings) == [blocker]
    assert not SolutionImage.objects.exists()


def test_service_refusal_is_a_validation_error_with_a_code(vendor_user, solution):
    upload_file = SimpleUploadedFile("x.jpg", image_zoo.pdf_document())

    with pytest.raises(ValidationError) as info:
        solution_image_create(user=vendor_user, solution=solution, upload=upload_file)

    assert info.value.code == "unsupported_format"


def test_schema_describes_the_multipart_upload():
    schema = SchemaGenerator(patterns=catalogue.api.images.urlpatterns).get_schema(public=True)

    post = schema["paths"]["/solutions/{solution_id}/images/"]["post"]
    content = post["requestBody"]["content"]
    assert list(content) == ["multipart/form-data"]
    ref = content["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[-1]
    image_field = schema["components"]["schemas"][ref]["properties"]["image"]
    assert image_field == {**image_field, "type": "string", "format": "binary"}
    assert "201" in post["responses"] and "400" in post["responses"]
    assert "delete" in schema["paths"]["/images/{id}/"]


def test_stored_files_decode_with_pillow_from_bytes(english, vendor_user, solution, settings):
    upload(english(vendor_user), solution.id, "a.webp", image_zoo.plain_webp())

    for stored in media_files(settings):
        with Image.open(io.BytesIO(stored.read_bytes())) as img:
            img.load()


@pytest.mark.parametrize("name", ["jpeg_with_metadata", "png_with_text_and_exif", "cmyk_jpeg"])
def test_normalised_image_carries_no_metadata_into_any_encoder(name):
    with Image.open(io.BytesIO(ZOO[name].build())) as original:
        original.load()
        assert original.info  # the specimen really has metadata to lose

        clean = normalise(original)

    assert clean.info == {}
    assert not clean.getexif()
    assert clean.mode in {"RGB", "RGBA"}


def test_very_large_jpeg_is_decoded_at_scale_and_stored_at_2560(
    english, vendor_user, solution, settings
):
    response = post_specimen(english(vendor_user), solution, "very_large_jpeg")

    assert response.status_code == 201
    body = response.json()
    assert (body["width"], body["height"]) == (2560, 853)
    with Image.open(media_path(settings, body["url"])) as stored:
        left = stored.getpixel((100, 400))
        right = stored.getpixel((2400, 400))
    assert left[0] > 200 and left[2] < 60
    assert right[2] > 200 and right[0] < 60


def test_an_image_added_to_or_removed_from_a_published_solution_returns_it_to_review(
    english, vendor_user, published, django_capture_on_commit_callbacks
):
    client = english(vendor_user)
    response = upload(client, published.id, "a.png", image_zoo.plain_png())
    assert response.status_code == 201
    published.refresh_from_db()
    assert published.changed_since_review and published.version == 2

    published.changed_since_review = False
    published.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.delete(f"/api/v1/images/{response.json()['id']}/").status_code == 204
    published.refresh_from_db()
    assert published.changed_since_review and published.version == 3


def test_an_archived_solution_takes_no_image_and_keeps_its_images(
    english, vendor_user, solution, settings
):
    client = english(vendor_user)
    kept = upload(client, solution.id, "a.png", image_zoo.plain_png()).json()["id"]
    solution.refresh_from_db()
    solution.status = "archived"
    solution.save()

    refused = upload(client, solution.id, "b.png", image_zoo.plain_png())
    assert refused.status_code == 409
    assert "Archived solutions cannot be changed." in refused.json()["detail"]
    assert client.delete(f"/api/v1/images/{kept}/").status_code == 409
    assert list(SolutionImage.objects.values_list("id", flat=True)) == [kept]
    assert len(media_files(settings)) == 2
