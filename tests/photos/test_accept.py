"""A photo as it arrives: checked by content, re-encoded upright as a plain JPEG without
metadata, bounded in bytes, pixels and size."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from hotline.photos import MAX_EDGE, PhotoRefused, accept_photo
from tests.photos import images

LIMIT = 10_000_000


def test_a_phone_jpeg_loses_its_gps_position_and_every_other_metadata() -> None:
    original = images.phone_jpeg()
    assert b"GPS" in original and b"Li Wei" in original  # the test's premise

    photo = accept_photo(original, LIMIT)

    assert photo.data.startswith(b"\xff\xd8")
    assert photo.content_type == "image/jpeg"
    picture = images.opened(photo.data)
    assert picture.format == "JPEG"
    assert dict(picture.getexif()) == {}
    assert picture.getexif().get_ifd(0x8825) == {}  # the GPS IFD
    for kept in (b"GPS", b"Exif", b"xmpmeta", b"PhoneMaker", b"Li Wei", b"WGS-84"):
        assert kept not in photo.data
    assert not {"exif", "xmp", "comment", "icc_profile"} & picture.info.keys()


def test_the_photo_is_turned_upright_by_its_orientation_tag() -> None:
    # Orientation 6: the camera was held turned; shown upright, the picture's left is its top.
    photo = accept_photo(images.phone_jpeg(80, 40, orientation=6), LIMIT)

    picture = images.opened(photo.data).convert("RGB")
    assert (photo.width, photo.height) == picture.size == (40, 80)
    top, bottom = picture.getpixel((20, 10)), picture.getpixel((20, 70))
    assert isinstance(top, tuple) and isinstance(bottom, tuple)
    assert top[0] > 150 > top[2]  # red: the left half is on top
    assert bottom[2] > 150 > bottom[0]  # blue below


def test_a_png_is_re_encoded_as_jpeg_with_transparency_white() -> None:
    photo = accept_photo(images.transparent_png(), LIMIT)

    picture = images.opened(photo.data)
    assert picture.format == "JPEG" and picture.mode == "RGB"
    left, right = picture.getpixel((5, 20)), picture.getpixel((35, 20))
    assert isinstance(left, tuple) and isinstance(right, tuple)
    assert left[0] > 150 > left[1]
    assert min(right) > 240


def test_a_large_photo_is_scaled_down_to_the_longest_edge() -> None:
    out = io.BytesIO()
    images.halves(4200, 2100).save(out, "JPEG")

    photo = accept_photo(out.getvalue(), LIMIT)

    assert (photo.width, photo.height) == (MAX_EDGE, MAX_EDGE // 2)
    assert images.opened(photo.data).size == (MAX_EDGE, MAX_EDGE // 2)


def test_the_same_picture_gives_the_same_photo_and_checksum() -> None:
    first, second = (
        accept_photo(images.phone_jpeg(), LIMIT),
        accept_photo(images.phone_jpeg(), LIMIT),
    )
    assert first.sha256 == second.sha256 and len(first.sha256) == 64


def test_a_webp_is_accepted() -> None:
    out = io.BytesIO()
    images.halves(30, 20).save(out, "WEBP")
    assert images.opened(accept_photo(out.getvalue(), LIMIT).data).format == "JPEG"


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(images.pdf(), id="a PDF renamed photo.jpg"),
        pytest.param(b"<svg xmlns='http://www.w3.org/2000/svg'/>", id="SVG"),
        pytest.param(b"just some text", id="text"),
        pytest.param(images.phone_jpeg()[:400], id="a truncated JPEG"),
    ],
)
def test_what_is_not_a_photo_is_refused_by_its_content(data: bytes) -> None:
    with pytest.raises(PhotoRefused) as refused:
        accept_photo(data, LIMIT)
    assert refused.value.message == "The file is not a JPEG, PNG or WebP photo."


def test_a_gif_is_refused_though_pillow_reads_it() -> None:
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, "GIF")
    with pytest.raises(PhotoRefused, match="not a JPEG, PNG or WebP"):
        accept_photo(out.getvalue(), LIMIT)


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(PhotoRefused, match="empty"):
        accept_photo(b"", LIMIT)


def test_a_file_over_the_limit_is_refused_before_it_is_opened() -> None:
    data = images.phone_jpeg()
    with pytest.raises(PhotoRefused) as refused:
        accept_photo(data, len(data) - 1)
    assert refused.value.message == "The photo is larger than %(megabytes)s MB."
    assert accept_photo(data, len(data)).width == 80  # at the limit is fine


def test_a_decompression_bomb_is_refused_before_it_is_decoded() -> None:
    bomb = images.bomb_png()
    assert len(bomb) < 50_000  # small on disk, 81 million pixels declared

    with pytest.raises(PhotoRefused) as refused:
        accept_photo(bomb, LIMIT)
    assert str(refused.value) == "The photo has more than 64 million pixels."
