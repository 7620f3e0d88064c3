"""Upload checks: every image is decoded by Pillow; evidence is a PDF or such an image.

Nothing here trusts the client: not the file name, not the content type. Limits come from
settings (``IMAGE_UPLOAD_MAX_BYTES``, ``IMAGE_MAX_PIXELS``, ``EVIDENCE_UPLOAD_MAX_BYTES``).
Refusals are ``ValidationError`` with a human reason and a ``code``.
"""

from __future__ import annotations

import math
import os
import re
import secrets
import unicodedata
import warnings
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, ImageFile, UnidentifiedImageError

# Formats we accept, decided from the content. MPO is a JPEG with extra pictures (phones).
_ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
_FORMAT_ALIASES = {"MPO": "JPEG"}
_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "PDF": "pdf"}

# What a refused file really is, for a clearer reason than "not an image".
_SNIFFERS: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", gettext_lazy("a PDF document")),
    (b"GIF8", gettext_lazy("a GIF image")),
    (b"PK\x03\x04", gettext_lazy("a ZIP archive (or an Office document)")),
    (b"\x7fELF", gettext_lazy("an executable program")),
    (b"MZ", gettext_lazy("an executable program")),
    (b"II*\x00", gettext_lazy("a TIFF image")),
    (b"MM\x00*", gettext_lazy("a TIFF image")),
    (b"BM", gettext_lazy("a BMP image")),
)
_MARKUP = re.compile(rb"^\s*<(!doctype|html|\?xml|svg|script|head|body)", re.IGNORECASE)
_PDF_TAIL_BYTES = 1024


class _BorrowedFile:
    """The caller's file lent to Pillow, whose ``close()`` would otherwise close the upload."""

    def __init__(self, file: IO[bytes]) -> None:
        self._file = file

    def read(self, size: int = -1) -> bytes:
        return self._file.read(size)

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return self._file.seek(offset, whence)

    def tell(self) -> int:
        return self._file.tell()

    def close(self) -> None:
        return None


@dataclass(frozen=True)
class DecodedImage:
    """An upload Pillow has fully decoded (first frame), with the format read from its content.

    ``width`` and ``height`` are as declared; ``image.size`` is smaller if decoded at a JPEG scale.
    """

    image: Image.Image
    format: str  # "JPEG", "PNG" or "WEBP"
    width: int
    height: int
    frames: int = 1

    @property
    def extension(self) -> str:
        return _EXTENSIONS[self.format]


@dataclass(frozen=True)
class Evidence:
    """A checked evidence upload: ``kind`` is "pdf" or "image" (then ``image`` is set)."""

    kind: str
    extension: str
    size: int
    image: DecodedImage | None = None


def upload_size(upload: IO[bytes]) -> int:
    """Size in bytes, from Django's ``size`` or by seeking to the end (nothing is read)."""
    size = getattr(upload, "size", None)
    if size is None:
        position = upload.tell()
        size = upload.seek(0, os.SEEK_END)
        upload.seek(position)
    return int(size)


def _human_bytes(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.0f} MB"
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n} bytes"


def _check_size(upload: IO[bytes], max_bytes: int) -> int:
    size = upload_size(upload)
    if size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    if size > max_bytes:
        raise ValidationError(
            _("The file is %(size)s; the limit is %(limit)s.")
            % {"size": _human_bytes(size), "limit": _human_bytes(max_bytes)},
            code="too_large",
        )
    return size


def _head(upload: IO[bytes], n: int = 64) -> bytes:
    upload.seek(0)
    head = upload.read(n)
    upload.seek(0)
    return head


def _what_is_it(head: bytes):
    for magic, name in _SNIFFERS:
        if head.startswith(magic):
            return name
    if _MARKUP.match(head.lstrip(b"\xef\xbb\xbf")):
        return gettext_lazy("an HTML/XML document")
    return None


def _unsupported(head: bytes) -> ValidationError:
    found = _what_is_it(head)
    if found:
        message = _("Only JPEG, PNG and WebP images are accepted; this file is %(found)s.") % {
            "found": found
        }
    else:
        message = _("Only JPEG, PNG and WebP images are accepted; this file is not one of them.")
    return ValidationError(message, code="unsupported_format")


def _too_many_pixels(
    width: int | None, height: int | None, limit: int, *, declared: int | None = None
) -> ValidationError:
    if width and height:
        message = _(
            "The image is %(width)s × %(height)s pixels (%(mp).1f megapixels); "
            "the limit is %(limit_mp).1f megapixels."
        ) % {
            "width": width,
            "height": height,
            "mp": width * height / 1e6,
            "limit_mp": limit / 1e6,
        }
    elif declared:
        message = _(
            "The image declares %(mp).1f megapixels; the limit is %(limit_mp).1f megapixels."
        ) % {"mp": declared / 1e6, "limit_mp": limit / 1e6}
    else:
        message = _("The image declares more pixels than the limit of %(limit_mp).1f megapixels.")
        message %= {"limit_mp": limit / 1e6}
    return ValidationError(message, code="too_many_pixels")


def _declared_pixels(exc: Exception) -> int | None:
    # Pillow's bomb check refuses inside Image.open; its message carries the declared size.
    match = re.search(r"\((\d+) pixels\)", str(exc))
    return int(match.group(1)) if match else None


def validate_image_upload(
    upload: IO[bytes], *, max_bytes: int | None = None, target_long_side: int | None = None
) -> DecodedImage:
    """Decode an upload with Pillow within the limits, or raise ValidationError saying why.

    With ``target_long_side`` a large JPEG may be decoded at 1/2, 1/4 or 1/8 scale (never below
    that side): every byte is still decoded, in a fraction of the memory.
    """
    max_bytes = settings.IMAGE_UPLOAD_MAX_BYTES if max_bytes is None else max_bytes
    max_pixels = settings.IMAGE_MAX_PIXELS
    _check_size(upload, max_bytes)
    head = _head(upload)
    if ImageFile.LOAD_TRUNCATED_IMAGES:
        # A deployment fault, not the client's: truncated files would pass as half-grey pictures.
        raise ImproperlyConfigured("PIL.ImageFile.LOAD_TRUNCATED_IMAGES must stay False.")

    with warnings.catch_warnings():
        # Pillow's own bomb check warns between 1× and 2× its limit: a refusal here.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            img = Image.open(_BorrowedFile(upload), formats=[*_ACCEPTED_FORMATS])
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _too_many_pixels(None, None, max_pixels, declared=_declared_pixels(exc)) from exc
        except UnidentifiedImageError as exc:
            raise _unsupported(head) from exc
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            # The header itself is broken (e.g. a PNG cut inside its first chunk).
            raise ValidationError(
                _("The image header is damaged; the file could not be read."), code="corrupt"
            ) from exc

        fmt = _FORMAT_ALIASES.get(img.format or "", img.format or "")
        if fmt not in _ACCEPTED_FORMATS:
            img.close()
            raise _unsupported(head)
        width, height = img.size
        # Checked from the header, before a single pixel is decoded.
        if width <= 0 or height <= 0:
            img.close()
            raise ValidationError(_("The image has no pixels."), code="empty")
        if width * height > max_pixels:
            img.close()
            raise _too_many_pixels(width, height, max_pixels)
        frames = int(getattr(img, "n_frames", 1) or 1)
        long_side = max(width, height)
        if fmt == "JPEG" and target_long_side and long_side >= 2 * target_long_side:
            img.draft(
                None,
                (
                    math.ceil(width * target_long_side / long_side),
                    math.ceil(height * target_long_side / long_side),
                ),
            )
        try:
            img.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            img.close()
            raise _too_many_pixels(width, height, max_pixels) from exc
        except (OSError, SyntaxError, ValueError, EOFError, MemoryError) as exc:
            img.close()
            if isinstance(exc, EOFError) or "truncated" in str(exc).lower():
                raise ValidationError(
                    _("The image file is truncated; it ends before the picture is complete."),
                    code="truncated",
                ) from exc
            raise ValidationError(
                _("The image data is corrupt; it could not be decoded (%(why)s).")
                % {"why": str(exc)[:120] or type(exc).__name__},
                code="corrupt",
            ) from exc
    return DecodedImage(image=img, format=fmt, width=width, height=height, frames=frames)


def _check_pdf_end(upload: IO[bytes], size: int) -> None:
    upload.seek(max(0, size - _PDF_TAIL_BYTES))
    tail = upload.read(_PDF_TAIL_BYTES)
    upload.seek(0)
    if b"%%EOF" not in tail:
        raise ValidationError(
            _("The PDF is truncated: its end-of-file marker (%%EOF) is missing."),
            code="truncated",
        )


def validate_evidence_upload(upload: IO[bytes]) -> Evidence:
    """Check certification evidence: a PDF (by its magic and end marker) or a decodable image."""
    max_bytes = settings.EVIDENCE_UPLOAD_MAX_BYTES
    size = _check_size(upload, max_bytes)
    head = _head(upload, 1024)
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"%PDF-"):
        _check_pdf_end(upload, size)
        return Evidence(kind="pdf", extension="pdf", size=size)
    try:
        decoded = validate_image_upload(upload, max_bytes=max_bytes)
    except ValidationError as exc:
        if exc.code == "unsupported_format":
            found = _what_is_it(head)
            message = _("Evidence must be a PDF document or a JPEG, PNG or WebP image")
            if found:
                message += _("; this file is %(found)s.") % {"found": found}
            else:
                message += "."
            raise ValidationError(message, code="unsupported_format") from exc
        raise
    finally:
        upload.seek(0)
    decoded.image.close()
    return Evidence(kind="image", extension=decoded.extension, size=size, image=decoded)


def random_storage_name(extension: str) -> str:
    """A random file name with ``extension`` (from the decoded content, never from the client)."""
    extension = re.sub(r"[^a-z0-9]", "", extension.lower())[:8] or "bin"
    return f"{secrets.token_hex(16)}.{extension}"


def safe_display_name(name: str, *, max_length: int = 100) -> str:
    """The client's file name cleaned for display only: no path, no control or odd characters."""
    name = unicodedata.normalize("NFKC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] not in {"C", "Z"} or ch == " ")
    name = re.sub(r"[^\w.\- ()]", "_", name).strip(" .")
    return name[:max_length] or "file"
