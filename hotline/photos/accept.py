"""A photo as it arrives: checked by its content, never its name, and re-encoded as a plain
JPEG, upright and at most MAX_EDGE pixels on a side, with no metadata (a phone's EXIF carries
where the picture was taken)."""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps

from hotline.refusal import N_, Refused

# What phones and browsers upload. Pillow reads many more formats (some by plugins with a
# history of parser bugs); only these are opened. JPEG includes MPO, the JPEG some phones
# write (a main picture with a depth or preview one after it): the first picture is kept.
FORMATS = ("JPEG", "PNG", "WEBP")
# The largest picture decoded, by its declared size: a 50-megapixel phone camera fits, while a
# small file declaring a huge picture (a decompression bomb) is refused before it is decoded.
MAX_PIXELS = 64_000_000
# The longest side kept: plenty to see a leak or a broken lock, and a few hundred kilobytes.
MAX_EDGE = 2048
JPEG_QUALITY = 85
CONTENT_TYPE = "image/jpeg"


class PhotoRefused(Refused):
    """A photo that cannot be kept: too large, not a picture, unreadable, or one too many."""


@dataclass(frozen=True)
class ProcessedPhoto:
    """A photo ready to store: the re-encoded JPEG, its size in pixels and its SHA-256."""

    data: bytes
    content_type: str
    width: int
    height: int
    sha256: str


def accept_photo(data: bytes, max_bytes: int) -> ProcessedPhoto:
    """Check an uploaded photo by its content and re-encode it without metadata; PhotoRefused
    if it is over `max_bytes`, not a JPEG, PNG or WebP picture, unreadable or too large."""
    if len(data) > max_bytes:
        raise too_large(max_bytes)
    if not data:
        raise PhotoRefused(N_("The file is empty."))
    try:
        with warnings.catch_warnings():
            # Pillow only warns below twice its own limit; MAX_PIXELS decides here.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            picture = _decoded(data)
    except Image.DecompressionBombError:
        raise _too_many_pixels() from None
    except PhotoRefused:
        raise
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        # UnidentifiedImageError is an OSError: a PDF, a text file, a truncated picture.
        raise PhotoRefused(N_("The file is not a JPEG, PNG or WebP photo.")) from error
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    encoded = out.getvalue()
    return ProcessedPhoto(
        data=encoded,
        content_type=CONTENT_TYPE,
        width=picture.width,
        height=picture.height,
        sha256=hashlib.sha256(encoded).hexdigest(),
    )


def too_large(max_bytes: int) -> PhotoRefused:
    """The refusal of a photo over `max_bytes` (also for an upload cut off before it is read)."""
    return PhotoRefused(
        N_("The photo is larger than %(megabytes)s MB."), megabytes=f"{max_bytes / 1_000_000:g}"
    )


def _too_many_pixels() -> PhotoRefused:
    return PhotoRefused(
        N_("The photo has more than %(megapixels)s million pixels."),
        megapixels=MAX_PIXELS // 1_000_000,
    )


def _decoded(data: bytes) -> Image.Image:
    """The picture in `data`, upright, at most MAX_EDGE on a side, as a new RGB image that
    carries nothing of the file but its pixels."""
    with Image.open(io.BytesIO(data), formats=FORMATS) as opened:
        if opened.width * opened.height > MAX_PIXELS:
            raise _too_many_pixels()
        # A JPEG can be decoded at 1/2, 1/4 or 1/8 scale directly: a large one never needs
        # its full size in memory.
        opened.draft("RGB", (MAX_EDGE, MAX_EDGE))
        opened.load()
        upright = ImageOps.exif_transpose(opened)
    transparent = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
    pixels = upright.convert("RGBA" if transparent else "RGB")
    pixels.thumbnail((MAX_EDGE, MAX_EDGE), Image.Resampling.LANCZOS)
    # A fresh image: Image.save would otherwise copy a comment (and more, in other formats)
    # from the original's info. Transparent pixels become white, not black.
    clean = Image.new("RGB", pixels.size, "white")
    clean.paste(pixels, mask=pixels.getchannel("A") if transparent else None)
    return clean
