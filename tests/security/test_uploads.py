"""Uploads: the insurer's image and the configuration import.

Already covered in tests/integration/test_settings.py: SVG, text, GIF, files over 1 MB and a
1-bit 20000 x 20000 decompression bomb are refused with a message, and nothing is stored.
"""

from __future__ import annotations

import io
import json
import re
import struct
import zlib

import pytest
from PIL import Image
from sqlalchemy import select

from storefront.models import InsuranceImage, InsuranceSettings
from tests.integration.helpers import staff_client
from tests.security.helpers import EN, snapshot

INSURANCE = "/settings/catalogue/misc/insurance"
NOT_AN_IMAGE = "Please upload a PNG, JPEG or WebP image."
TOO_MANY_PIXELS = "The image has too many pixels"


def encoded(fmt: str, size=(40, 30), **options) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, fmt, **options)
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` x ``height`` pixels (a pixel flood)."""
    data = encoded("PNG", (1, 1))
    chunk = b"IHDR" + struct.pack(">II", width, height) + data[24:29]
    return data[:12] + chunk + struct.pack(">I", zlib.crc32(chunk)) + data[33:]


def jpeg_claiming(width: int, height: int) -> bytes:
    data = bytearray(encoded("JPEG", (8, 8)))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"
ZIP = b"PK\x03\x04" + b"\x00" * 26 + b"evil.class" + b"\xca\xfe\xba\xbe" * 8

POLYGLOTS = {
    # Valid images carrying a second document: refused, not merely re-encoded.
    "png+html": (encoded("PNG") + HTML, "logo.png"),
    "png+jar": (encoded("PNG") + ZIP, "logo.png"),
    "jpeg comment with a script": (
        encoded("JPEG", comment=b"<script>alert(1)</script>"),
        "logo.jpg",
    ),
    "webp+html": (encoded("WEBP") + HTML, "logo.webp"),
    # Other documents dressed as images.
    "gif/javascript": (b"GIF89a/*\x00\x00*/=alert(1)//" + b"\x00" * 64, "logo.gif"),
    "svg named .png": (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "x.png"),
    "html named .jpg": (HTML, "logo.jpg"),
    "pdf named .png": (b"%PDF-1.7\n1 0 obj<</JS(alert(1))>>endobj\n%%EOF", "logo.png"),
    "truncated png": (encoded("PNG")[:60], "logo.png"),
}
BOMBS = {
    "png header claiming 50000 x 50000": png_claiming(50000, 50000),
    "png header claiming 5000 x 5000": png_claiming(5000, 5000),  # under Pillow's own limit
    "jpeg header claiming 60000 x 60000": jpeg_claiming(60000, 60000),
}


@pytest.fixture(scope="module")
def shop(module_shop):
    """One shop for the module: a refused upload changes nothing, so tests can share it."""
    return module_shop


@pytest.fixture(scope="module")
def marketer(shop):
    return staff_client(shop, "marketer")


def upload(client, data: bytes, name: str, content_type: str = "image/png"):
    page = client.get(f"{INSURANCE}/define").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    from werkzeug.datastructures import FileStorage

    fields = {
        "version": version,
        "name_en": "Cover",
        "description_en": "Refunds",
        "terms_url": "/demo/terms-{LANGUAGE}.html",
        "insurer_name": "Insurer",
        "insurer_email": "reports@insurer.example",
    }
    form = {**fields, "csrf_token": client.csrf()}
    form["image"] = FileStorage(io.BytesIO(data), filename=name, content_type=content_type)
    return client.post(f"{INSURANCE}/define", data=form, headers=EN)


def stored_images(app) -> list[bytes]:
    from storefront.extensions import db

    with app.app_context():
        return list(db.session.scalars(select(InsuranceImage.data)))


@pytest.mark.parametrize("kind", sorted(POLYGLOTS))
def test_polyglots_and_disguised_documents_are_refused_with_a_message(marketer, shop, kind):
    data, name = POLYGLOTS[kind]
    before = stored_images(shop)
    response = upload(marketer, data, name)
    assert response.status_code == 422
    assert NOT_AN_IMAGE in response.get_data(as_text=True)
    assert stored_images(shop) == before


@pytest.mark.parametrize("kind", sorted(BOMBS))
def test_pixel_floods_are_refused_before_decoding(marketer, shop, kind):
    before = stored_images(shop)
    response = upload(marketer, BOMBS[kind], "logo.png")
    assert response.status_code == 422
    assert TOO_MANY_PIXELS in response.get_data(as_text=True)
    assert stored_images(shop) == before


def test_the_declared_content_type_and_name_are_not_trusted(marketer, shop):
    """A real JPEG sent as text/html named .exe is stored as the WebP the shop made of it."""
    response = upload(marketer, encoded("JPEG"), "logo.exe", content_type="text/html")
    assert response.status_code == 302
    from storefront.extensions import db

    with shop.app_context():
        settings = db.session.get(InsuranceSettings, 1)
        image = settings.image
        url = f"/insurance/image/{image.id}-{image.sha256[:16]}.webp"
    served = marketer.get(url)
    assert served.mimetype == "image/webp"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.data[:4] == b"RIFF" and served.data[8:12] == b"WEBP"


def test_image_metadata_is_not_kept(marketer, shop):
    """Re-encoding drops what the file carried besides pixels (comments, EXIF, GPS)."""
    exif = Image.Exif()
    exif[0x010E] = "secret-description"  # ImageDescription
    data = encoded("JPEG", exif=exif.tobytes())
    assert b"secret-description" in data
    assert upload(marketer, data, "photo.jpg").status_code == 302
    from storefront.extensions import db

    with shop.app_context():
        stored = db.session.get(InsuranceSettings, 1).image.data
    assert stored[:4] == b"RIFF"
    assert b"secret-description" not in stored and b"Exif" not in stored


def test_a_body_that_is_not_a_form_is_refused_and_changes_nothing(marketer, shop):
    before = snapshot(shop)
    for content_type, body in (
        ("application/json", json.dumps({"name_en": "Hacked"})),
        ("text/plain", "name_en=Hacked"),
        ("multipart/form-data; boundary=x", "--x\r\nbroken"),
    ):
        response = marketer.post(
            f"{INSURANCE}/define", data=body, content_type=content_type, headers=EN
        )
        assert response.status_code == 400
    assert snapshot(shop) == before


def test_a_body_over_the_limit_gets_the_too_large_page(marketer, shop):
    from werkzeug.datastructures import FileStorage, MultiDict
    from werkzeug.test import encode_multipart

    big = FileStorage(io.BytesIO(b" " * (9 * 1024 * 1024)), filename="big.json")
    boundary, body = encode_multipart(MultiDict([("csrf_token", marketer.csrf()), ("file", big)]))
    response = marketer.post(
        f"{INSURANCE}/import",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
        headers=EN,
    )
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "Too large" in page and 'class="site-header"' in page


def import_file(client, data: bytes, name: str = "config.json", content_type="application/json"):
    from werkzeug.datastructures import FileStorage

    form = {
        "csrf_token": client.csrf(),
        "file": FileStorage(io.BytesIO(data), filename=name, content_type=content_type),
    }
    return client.post(f"{INSURANCE}/import", data=form, headers=EN)


def exported(client) -> dict:
    return client.get(f"{INSURANCE}/export").json


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (encoded("PNG"), "The file is not valid JSON."),
        ("{}".encode("utf-16"), "The file is not valid JSON."),
        (b"[" * 200_000 + b"]" * 200_000, "The file is not valid JSON."),
        (b'{"a": ' * 50_000 + b"1" + b"}" * 50_000, "The file is not valid JSON."),
        (b"1" * 5000, "The file is not valid JSON."),
        (b"null", "This is not an insurance configuration"),
    ],
    ids=["png", "utf-16", "deep list", "deep object", "huge number", "null"],
)
def test_imports_that_are_not_configurations_are_refused_with_a_message(
    marketer, shop, data, message
):
    before = snapshot(shop)
    response = import_file(marketer, data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert snapshot(shop) == before


@pytest.mark.parametrize(
    "amount", ["1e30", "1E+999999999", "-1e30", "0.001", "NaN", "sNaN", "Infinity", "1_0.00"]
)
def test_import_amounts_out_of_range_are_refused_with_a_message(marketer, shop, amount):
    document = exported(marketer)
    document["tiers"]["tiers"][0]["from"] = amount
    before = snapshot(shop)
    response = import_file(marketer, json.dumps(document).encode())
    page = response.get_data(as_text=True)
    if amount == "1_0.00":  # Python reads 10.00: a clean value (a duplicate "from" here)
        assert response.status_code in (302, 422)
        return
    assert response.status_code == 422
    assert "$.tiers.tiers[0].from" in page
    assert snapshot(shop) == before


def test_an_image_smuggled_through_an_import_gets_the_same_checks(marketer, shop):
    import base64

    document = exported(marketer)
    document["define"]["image"] = {"data": base64.b64encode(encoded("PNG") + HTML).decode()}
    response = import_file(marketer, json.dumps(document).encode())
    assert response.status_code == 422
    assert NOT_AN_IMAGE in response.get_data(as_text=True)
    from storefront.extensions import db

    with shop.app_context():
        images = db.session.scalars(select(InsuranceImage.data)).all()
    assert not any(b"<script" in image for image in images)


def test_import_texts_with_a_nul_character_are_refused_with_a_message(marketer, shop):
    """The form refuses NUL at the door; the import file is read with the same care."""
    document = exported(marketer)
    document["define"]["insurer_name"] = "Evil\u0000Corp"
    document["define"]["names"]["en"] = "Cover\u0000"
    before = snapshot(shop)
    response = import_file(marketer, json.dumps(document).encode())
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "$.define.insurer_name" in page and "$.define.names.en" in page
    assert snapshot(shop) == before
