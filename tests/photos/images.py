"""Pictures for the photo tests, made with Pillow: a phone's JPEG with GPS in its EXIF and XMP,
a PNG with transparency, a PDF, a decompression bomb."""

from __future__ import annotations

import io

from PIL import ExifTags, Image

RED = (220, 20, 20)
BLUE = (20, 20, 220)
# Where the phone says the picture was taken (Shanghai), in EXIF's degrees/minutes/seconds.
LATITUDE = (31.0, 14.0, 10.5)
LONGITUDE = (121.0, 28.0, 55.2)
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf'
    b'-syntax-ns#"><rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude='
    b'"31,14.175N" exif:GPSLongitude="121,28.92E"/></rdf:RDF></x:xmpmeta>'
)


def halves(width: int, height: int) -> Image.Image:
    """Red on the left half, blue on the right: which way is up shows after a rotation."""
    picture = Image.new("RGB", (width, height), RED)
    picture.paste(BLUE, (width // 2, 0, width, height))
    return picture


def phone_jpeg(width: int = 80, height: int = 40, orientation: int | None = None) -> bytes:
    """A JPEG as a phone writes it: camera make and model, GPS position (EXIF and XMP), a
    comment, and an orientation tag when given."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = "Phone 15"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: LATITUDE,
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: LONGITUDE,
        ExifTags.GPS.GPSMapDatum: "WGS-84",
    }
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    out = io.BytesIO()
    halves(width, height).save(out, "JPEG", exif=exif, xmp=XMP, comment=b"home of Li Wei")
    return out.getvalue()


def transparent_png(width: int = 40, height: int = 40) -> bytes:
    """A PNG whose left half is opaque red and right half fully transparent."""
    picture = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    picture.paste((*RED, 255), (0, 0, width // 2, height))
    out = io.BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()


def pdf() -> bytes:
    """A small PDF (the kind of file renamed photo.jpg)."""
    return (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
        b"trailer << /Root 1 0 R >>\n%%EOF\n"
    )


def bomb_png(side: int = 9000) -> bytes:
    """A PNG of a few kilobytes that declares side x side pixels (81 million by default)."""
    out = io.BytesIO()
    Image.new("1", (side, side)).save(out, "PNG", optimize=True)
    return out.getvalue()


def opened(data: bytes) -> Image.Image:
    """The picture in `data`, loaded."""
    picture = Image.open(io.BytesIO(data))
    picture.load()
    return picture
