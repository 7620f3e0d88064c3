"""The image zoo: hostile and odd uploads, built with Pillow or by hand (no binaries committed).

``ZOO`` maps a case name to a ``Specimen``: the file name a client would send, a builder for its
bytes, and what must happen: accepted (then re-encoded) or refused with a code and a reason.
"""

from __future__ import annotations

import io
import random
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image

SCRIPT = b"<script>alert('polyglot')</script>"
GPS_MARKER = "N 37.5665 E 126.9780 secret place"


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_by_hand(width: int, height: int, *, bit_depth: int, colour_type: int, idat: bytes) -> bytes:
    """A PNG assembled chunk by chunk, so it can declare any size."""
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def noise(size: tuple[int, int], mode: str = "RGB") -> Image.Image:
    """Seeded random pixels, so encoders cannot compress the picture to nothing."""
    n = size[0] * size[1] * len(mode)
    return Image.frombytes(mode, size, random.Random(12345).randbytes(n))


def encode(img: Image.Image, fmt: str, **params) -> bytes:
    buffer = io.BytesIO()
    img.save(buffer, fmt, **params)
    return buffer.getvalue()


def halves(size: tuple[int, int], left: tuple, right: tuple, mode: str = "RGB") -> Image.Image:
    """Left half one colour, right half another: shows which way an image was turned."""
    img = Image.new(mode, size, left)
    img.paste(Image.new(mode, (size[0] - size[0] // 2, size[1]), right), (size[0] // 2, 0))
    return img


# --- builders -------------------------------------------------------------------------------


def plain_jpeg() -> bytes:
    return encode(noise((64, 48)), "JPEG", quality=90)


def plain_png() -> bytes:
    return encode(Image.new("RGB", (40, 30), (10, 120, 200)), "PNG")


def plain_webp() -> bytes:
    return encode(Image.new("RGB", (40, 30), (200, 120, 10)), "WEBP")


def decompression_bomb() -> bytes:
    """8000 × 8000 one-bit PNG of zeros: 64 megapixels from a file of a few kilobytes."""
    width = height = 8000
    row = b"\x00" + b"\x00" * (width // 8)
    return png_by_hand(
        width, height, bit_depth=1, colour_type=0, idat=zlib.compress(row * height, 9)
    )


def png_huge_declared_size() -> bytes:
    """A PNG whose header claims 100000 × 100000 pixels but holds one row of data."""
    return png_by_hand(
        100_000, 100_000, bit_depth=8, colour_type=2, idat=zlib.compress(b"\x00" * 301)
    )


def png_over_pixel_limit_no_data() -> bytes:
    """Claims 7000 × 7000 (49 MP, over a 40 MP limit, under Pillow's own bomb limit)."""
    return png_by_hand(7000, 7000, bit_depth=8, colour_type=0, idat=zlib.compress(b"\x00" * 7001))


def truncated_jpeg() -> bytes:
    data = encode(noise((256, 256)), "JPEG", quality=95)
    return data[: len(data) // 2]


def truncated_png() -> bytes:
    data = encode(noise((128, 128)), "PNG")
    return data[: len(data) // 2]


def png_bad_crc() -> bytes:
    data = bytearray(encode(noise((32, 32)), "PNG"))
    idat = data.index(b"IDAT")
    data[idat + 10] ^= 0xFF  # flip bits inside the IDAT data, leaving its CRC stale
    return bytes(data)


def pdf_document() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )


def html_document() -> bytes:
    return b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"


def svg_document() -> bytes:
    return b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'


def gif_image() -> bytes:
    return encode(Image.new("P", (10, 10)), "GIF")


def polyglot_jpeg() -> bytes:
    """A valid JPEG with a script appended after its end marker."""
    return plain_jpeg() + SCRIPT


def cmyk_jpeg() -> bytes:
    return encode(Image.new("CMYK", (60, 40), (0, 255, 255, 0)), "JPEG", quality=95)


def sixteen_bit_png() -> bytes:
    """16-bit grey at half intensity (32768): clipping instead of scaling would store white."""
    return encode(Image.new("I;16", (50, 40), 32768), "PNG")


def animated_webp() -> bytes:
    frames = [Image.new("RGB", (48, 32), colour) for colour in ((255, 0, 0), (0, 0, 255))]
    return encode(frames[0], "WEBP", save_all=True, append_images=frames[1:], duration=100, loop=0)


def exif_rotated_jpeg() -> bytes:
    """200 × 100 stored, Orientation 6 (turn 90° clockwise): upright it is 100 × 200, red on top."""
    img = halves((200, 100), (255, 0, 0), (0, 0, 255))
    exif = Image.Exif()
    exif[0x0112] = 6
    return encode(img, "JPEG", quality=95, exif=exif.tobytes())


def jpeg_with_metadata() -> bytes:
    """EXIF with a description and camera make, a JPEG comment and an sRGB ICC profile."""
    from PIL import ImageCms

    exif = Image.Exif()
    exif[0x010E] = GPS_MARKER  # ImageDescription
    exif[0x010F] = "SpyCam"  # Make
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return encode(noise((64, 64)), "JPEG", exif=exif.tobytes(), comment=GPS_MARKER, icc_profile=icc)


def png_with_text_and_exif() -> bytes:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", GPS_MARKER)
    exif = Image.Exif()
    exif[0x010E] = GPS_MARKER
    return encode(Image.new("RGB", (30, 30), (0, 128, 0)), "PNG", pnginfo=info, exif=exif)


def palette_png_with_transparency() -> bytes:
    img = Image.new("P", (20, 20), 0)
    img.putpalette([255, 0, 0, 0, 255, 0] + [0] * (256 * 3 - 6))
    img.paste(1, (10, 0, 20, 20))
    return encode(img, "PNG", transparency=0)


def rgba_png_opaque() -> bytes:
    return encode(Image.new("RGBA", (20, 20), (10, 20, 30, 255)), "PNG")


def la_png() -> bytes:
    return encode(Image.new("LA", (20, 20), (100, 128)), "PNG")


def large_jpeg() -> bytes:
    return encode(Image.new("RGB", (3000, 1000), (90, 90, 90)), "JPEG")


def very_large_jpeg() -> bytes:
    """6000 × 2000: decoded at half scale (DCT scaling) before the 2560 px limit applies."""
    return encode(halves((6000, 2000), (255, 0, 0), (0, 0, 255)), "JPEG", quality=90)


def truncated_very_large_jpeg() -> bytes:
    data = encode(noise((6000, 2000)), "JPEG", quality=90)
    return data[: len(data) * 9 // 10]


def zero_bytes() -> bytes:
    return b""


def oversized_jpeg(limit: int) -> bytes:
    """A valid JPEG padded past ``limit`` bytes (padding after the end marker)."""
    data = plain_jpeg()
    return data + b"\x00" * (limit + 1 - len(data))


# --- the zoo --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Specimen:
    filename: str
    content_type: str
    build: Callable[[], bytes]
    accepted: bool
    code: str = ""
    reason: str = ""  # a phrase the refusal must contain


def accept(filename: str, content_type: str, build: Callable[[], bytes]) -> Specimen:
    return Specimen(filename, content_type, build, accepted=True)


def refuse(
    filename: str, content_type: str, build: Callable[[], bytes], code: str, reason: str
) -> Specimen:
    return Specimen(filename, content_type, build, accepted=False, code=code, reason=reason)


ZOO: dict[str, Specimen] = {
    "plain_jpeg": accept("photo.jpg", "image/jpeg", plain_jpeg),
    "plain_png": accept("photo.png", "image/png", plain_png),
    "plain_webp": accept("photo.webp", "image/webp", plain_webp),
    "decompression_bomb": refuse(
        "bomb.png", "image/png", decompression_bomb, "too_many_pixels", "8000 × 8000 pixels"
    ),
    "png_huge_declared_size": refuse(
        "huge.png", "image/png", png_huge_declared_size, "too_many_pixels", "megapixels"
    ),
    "png_over_pixel_limit_no_data": refuse(
        "big.png", "image/png", png_over_pixel_limit_no_data, "too_many_pixels", "7000 × 7000"
    ),
    "truncated_jpeg": refuse("cut.jpg", "image/jpeg", truncated_jpeg, "truncated", "truncated"),
    "truncated_png": refuse("cut.png", "image/png", truncated_png, "truncated", "truncated"),
    "png_bad_crc": refuse("crc.png", "image/png", png_bad_crc, "corrupt", "corrupt"),
    "pdf_renamed_jpg": refuse(
        "invoice.jpg", "image/jpeg", pdf_document, "unsupported_format", "PDF document"
    ),
    "html_renamed_jpg": refuse(
        "page.jpg", "image/jpeg", html_document, "unsupported_format", "HTML/XML document"
    ),
    "svg_renamed_png": refuse(
        "logo.png", "image/png", svg_document, "unsupported_format", "HTML/XML document"
    ),
    "gif_renamed_png": refuse(
        "anim.png", "image/png", gif_image, "unsupported_format", "GIF image"
    ),
    "truncated_very_large_jpeg": refuse(
        "cut-big.jpg", "image/jpeg", truncated_very_large_jpeg, "truncated", "truncated"
    ),
    "zero_bytes": refuse("empty.jpg", "image/jpeg", zero_bytes, "empty", "empty"),
    "polyglot_jpeg": accept("poly.jpg", "image/jpeg", polyglot_jpeg),
    "cmyk_jpeg": accept("cmyk.jpg", "image/jpeg", cmyk_jpeg),
    "sixteen_bit_png": accept("deep.png", "image/png", sixteen_bit_png),
    "animated_webp": accept("anim.webp", "image/webp", animated_webp),
    "exif_rotated_jpeg": accept("rotated.jpg", "image/jpeg", exif_rotated_jpeg),
    "jpeg_with_metadata": accept("meta.jpg", "image/jpeg", jpeg_with_metadata),
    "png_with_text_and_exif": accept("meta.png", "image/png", png_with_text_and_exif),
    "palette_png_with_transparency": accept("pal.png", "image/png", palette_png_with_transparency),
    "rgba_png_opaque": accept("opaque.png", "image/png", rgba_png_opaque),
    "la_png": accept("la.png", "image/png", la_png),
    "large_jpeg": accept("large.jpg", "image/jpeg", large_jpeg),
    "very_large_jpeg": accept("very-large.jpg", "image/jpeg", very_large_jpeg),
}
