"""QR images of card and event payloads (PNG and SVG), error-correction level M."""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_M


def _qr(payload: str, border: int) -> qrcode.QRCode:
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=10, border=border)
    qr.add_data(payload)
    qr.make(fit=True)
    return qr


def png(payload: str, *, box_size: int = 10, border: int = 4) -> bytes:
    qr = _qr(payload, border)
    qr.box_size = box_size
    buf = io.BytesIO()
    qr.make_image(fill_color="black", back_color="white").save(buf, format="PNG")
    return buf.getvalue()


def svg(payload: str, *, border: int = 4) -> bytes:
    qr = _qr(payload, border)
    img = qr.make_image(image_factory=qrcode.image.svg.SvgPathImage)
    buf = io.BytesIO()
    img.save(buf)
    return buf.getvalue()


def version_of(payload: str) -> int:
    """The QR version (size) the payload needs at level M; small is good for small cards."""
    return _qr(payload, 4).version
