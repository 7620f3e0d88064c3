"""Product images: decode, normalise, strip, re-encode, thumbnail; and remove them again.

Every stored file is a fresh encoding of decoded pixels, so nothing the client sent survives
except the picture: no EXIF, XMP, comments, appended bytes or extra frames. Colour: an embedded
ICC profile is used to convert the pixels to sRGB and is then dropped (browsers assume sRGB).
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from PIL import Image, ImageCms, ImageOps

import search.indexing

from .models import Solution, SolutionImage
from .permissions import ensure_owner_or_operator
from .services.solutions import ensure_editable, record_edit
from .validators import DecodedImage, random_storage_name, validate_image_upload

logger = logging.getLogger(__name__)

MAX_LONG_SIDE = 2560
THUMBNAIL_LONG_SIDE = 320
JPEG_QUALITY = 85
WEBP_QUALITY = 85
THUMBNAIL_QUALITY = 80
_SRGB = ImageCms.createProfile("sRGB")


@dataclass(frozen=True)
class EncodedImage:
    """Re-encoded bytes of the stored image and its thumbnail."""

    data: bytes
    format: str  # "JPEG" or "WEBP"
    extension: str
    width: int
    height: int
    thumbnail: bytes
    thumbnail_width: int
    thumbnail_height: int


def _to_srgb(img: Image.Image) -> Image.Image:
    """Use an embedded ICC profile to convert to sRGB; without one, Pillow's plain conversion."""
    icc = img.info.get("icc_profile")
    if not icc or img.mode not in {"RGB", "RGBA", "CMYK", "L", "LA"}:
        return img
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        out_mode = "RGBA" if img.mode in {"RGBA", "LA"} else "RGB"
        if img.mode == "LA":
            return img  # lcms has no grey+alpha transform; plain conversion is fine for grey
        return ImageCms.profileToProfile(img, source, _SRGB, outputMode=out_mode) or img
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        # A broken or unusual profile is not a reason to refuse the picture.
        logger.info("ignoring unusable ICC profile", exc_info=True)
        return img


def _eight_bit(img: Image.Image) -> Image.Image:
    """16-bit and 32-bit grey (I;16, I, F) scaled to 8-bit grey, not clipped to white."""
    if img.mode.startswith("I;16"):
        return img.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if img.mode in {"I", "F"}:
        low, high = img.getextrema()
        if high <= 255 and low >= 0:
            return img.convert("L")
        span = (high - low) or 1
        return img.point(lambda v: (v - low) * (255 / span)).convert("L")
    return img


def normalise(img: Image.Image) -> Image.Image:
    """Upright, 8-bit sRGB: RGB, or RGBA when some pixel is not fully opaque."""
    img = ImageOps.exif_transpose(img) or img
    img = _eight_bit(img)
    img = _to_srgb(img)
    if img.mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
    elif img.mode in {"LA", "La", "PA", "RGBa"}:
        img = img.convert("RGBA")
    elif img.mode not in {"RGB", "RGBA"}:
        img = img.convert("RGB")  # 1, L, CMYK, YCbCr, LAB, HSV ...
    if img.mode == "RGBA" and img.getchannel("A").getextrema() == (255, 255):
        img = img.convert("RGB")
    # A brand-new image carries only pixels: no info dict, no EXIF, no ICC, no comments.
    clean = Image.new(img.mode, img.size)
    clean.paste(img)
    return clean


def _encode(img: Image.Image, fmt: str, quality: int) -> bytes:
    buffer = io.BytesIO()
    if fmt == "JPEG":
        img.save(buffer, "JPEG", quality=quality, optimize=True, progressive=True)
    else:
        img.save(buffer, "WEBP", quality=quality, method=4)
    return buffer.getvalue()


def encode_image(decoded: DecodedImage) -> EncodedImage:
    """Re-encode the decoded first frame: JPEG for opaque pictures, WebP with alpha; + thumbnail."""
    img = normalise(decoded.image)
    if max(img.size) > MAX_LONG_SIDE:
        img.thumbnail((MAX_LONG_SIDE, MAX_LONG_SIDE), Image.Resampling.LANCZOS)
    fmt = "WEBP" if img.mode == "RGBA" else "JPEG"
    data = _encode(img, fmt, JPEG_QUALITY if fmt == "JPEG" else WEBP_QUALITY)
    thumb = img.copy()
    thumb.thumbnail((THUMBNAIL_LONG_SIDE, THUMBNAIL_LONG_SIDE), Image.Resampling.LANCZOS)
    return EncodedImage(
        data=data,
        format=fmt,
        extension="jpg" if fmt == "JPEG" else "webp",
        width=img.width,
        height=img.height,
        thumbnail=_encode(thumb, "WEBP", THUMBNAIL_QUALITY),
        thumbnail_width=thumb.width,
        thumbnail_height=thumb.height,
    )


def _delete_files(*fields) -> None:
    for field in fields:
        if field and field.name:
            try:
                field.storage.delete(field.name)
            except OSError:
                logger.warning("could not delete %s", field.name, exc_info=True)


def solution_image_create(
    *, user, solution: Solution, upload, alt_en: str = "", alt_ko: str = ""
) -> SolutionImage:
    """Validate, re-encode and store an image of ``solution`` (its vendor or an operator)."""
    ensure_owner_or_operator(user, solution)
    decoded = validate_image_upload(upload, target_long_side=MAX_LONG_SIDE)
    try:
        encoded = encode_image(decoded)
    finally:
        decoded.image.close()

    image = SolutionImage(
        solution=solution,
        width=encoded.width,
        height=encoded.height,
        format=encoded.format,
        alt_en=alt_en,
        alt_ko=alt_ko,
    )
    image.full_clean(exclude=["image", "thumbnail", "position"])
    try:
        image.image.save(
            random_storage_name(encoded.extension), ContentFile(encoded.data), save=False
        )
        image.thumbnail.save(
            random_storage_name("webp"), ContentFile(encoded.thumbnail), save=False
        )
        with transaction.atomic():
            # Lock the solution row so two uploads do not get the same position.
            current = Solution.objects.select_for_update().get(pk=solution.pk)
            ensure_editable(current)
            last = solution.images.aggregate(last=Max("position"))["last"]
            image.position = 0 if last is None else last + 1
            image.save()
            # A new picture is a change like any other: a published solution goes back in the
            # operator's queue, and the version moves.
            record_edit(current, user=user, reason="image added")
            transaction.on_commit(lambda: search.indexing.solution_changed(solution.id))
    except BaseException:
        _delete_files(image.image, image.thumbnail)
        raise
    return image


def solution_image_delete(*, user, image: SolutionImage) -> None:
    """Delete an image and its files (the solution's vendor or an operator)."""
    solution = image.solution
    ensure_owner_or_operator(user, solution)
    files = (image.image, image.thumbnail)
    with transaction.atomic():
        current = Solution.objects.select_for_update().get(pk=solution.pk)
        ensure_editable(current)
        image.delete()
        record_edit(current, user=user, reason="image removed")
        transaction.on_commit(lambda: search.indexing.solution_changed(solution.id))
        # Files go only once the row is really gone; a rollback keeps both.
        transaction.on_commit(lambda: _delete_files(*files))
