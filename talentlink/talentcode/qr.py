"""Rendering code text as a QR symbol: alphanumeric mode (Base45 was designed for it), SVG or PNG."""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from qrcode.util import MODE_ALPHA_NUM, QRData


def _symbol(text: str) -> qrcode.QRCode:
    symbol = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4, box_size=8)
    symbol.add_data(QRData(text.encode("ascii"), mode=MODE_ALPHA_NUM))
    symbol.make(fit=True)
    return symbol


def svg(text: str) -> str:
    image = _symbol(text).make_image(image_factory=qrcode.image.svg.SvgPathImage)
    return image.to_string(encoding="unicode")


def png(text: str, *, box_size: int = 8) -> bytes:
    symbol = _symbol(text)
    symbol.box_size = box_size
    buffer = io.BytesIO()
    symbol.make_image().save(buffer, format="PNG")
    return buffer.getvalue()
