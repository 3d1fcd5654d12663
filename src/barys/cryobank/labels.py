"""Printable labels with QR codes, drawn as SVG (sizes in millimetres).

The QR code holds the sample's (or container's) page address, so a phone camera opens it;
without an address it holds ``barys:sample:<code>``. A label never carries a place.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape

import qrcode
from qrcode.constants import ERROR_CORRECT_M

ATTRIBUTE_ENTITIES = {'"': "&quot;"}
LABEL_WIDTH_MM = 50.0
LABEL_HEIGHT_MM = 25.0
QUIET_MM = 1.5


def qr_matrix(text: str) -> list[list[bool]]:
    """The QR code of ``text`` as rows of dark (True) and light modules, without border."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    code.add_data(text)
    code.make(fit=True)
    return [[bool(cell) for cell in row] for row in code.get_matrix()]


def qr_path(matrix: list[list[bool]], *, x: float, y: float, size: float) -> str:
    """An SVG path drawing ``matrix`` into a ``size``×``size`` square at (x, y)."""
    modules = len(matrix)
    step = size / modules
    parts = []
    for row_index, row in enumerate(matrix):
        col = 0
        while col < modules:
            if not row[col]:
                col += 1
                continue
            start = col
            while col < modules and row[col]:
                col += 1
            parts.append(
                f"M{x + start * step:.3f} {y + row_index * step:.3f}"
                f"h{(col - start) * step:.3f}v{step:.3f}h{-(col - start) * step:.3f}z"
            )
    return f'<path d="{"".join(parts)}" fill="#000"/>'


@dataclass(frozen=True)
class LabelText:
    title: str  # the code, printed large
    lines: tuple[str, ...]  # up to four short lines
    qr_text: str


def _fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


#: Average glyph width as a share of the font size (sans-serif), for fitting text.
GLYPH_WIDTH = 0.6


def _text(x: float, y: float, size: float, text: str, room: float, *, bold: bool = False) -> str:
    """One line of text; squeezed to ``room`` millimetres when it would be wider (up to a
    third), cut with an ellipsis beyond that."""
    limit = int(room / (size * GLYPH_WIDTH) * 1.35)
    text = _fit(text, max(4, limit))
    weight = ' font-weight="700"' if bold else ""
    fit = ""
    if len(text) * size * GLYPH_WIDTH > room:
        fit = f' textLength="{room:.2f}" lengthAdjust="spacingAndGlyphs"'
    return f'<text x="{x:.2f}" y="{y:.2f}" font-size="{size}"{weight}{fit}>{escape(text)}</text>'


def label_svg(
    label: LabelText, *, width: float = LABEL_WIDTH_MM, height: float = LABEL_HEIGHT_MM
) -> str:
    """One label: the QR code on the left, the code and short lines on the right."""
    qr_size = height - 2 * QUIET_MM
    qr = qr_path(qr_matrix(label.qr_text), x=QUIET_MM, y=QUIET_MM, size=qr_size)
    text_x = QUIET_MM * 2 + qr_size
    room = width - text_x - QUIET_MM
    lines = [_text(text_x, 5.2, 3.4, label.title, room, bold=True)]
    for index, line in enumerate(label.lines[:4]):
        lines.append(_text(text_x, 9.6 + index * 3.6, 2.5, line, room))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}mm" height="{height}mm" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label.title, ATTRIBUTE_ENTITIES)}" '
        f'font-family="DejaVu Sans, Arial, sans-serif">'
        f'<rect width="{width}" height="{height}" fill="#fff" stroke="#999" '
        f'stroke-width="0.2"/>{qr}{"".join(lines)}</svg>'
    )


def sample_label(sample: object, *, url: str = "") -> str:
    """The label of a sample (code, taxon, material, date, place in storage)."""
    from barys.cryobank.models import Sample

    assert isinstance(sample, Sample)
    collected = sample.collected_at.date().isoformat() if sample.collected_at else ""
    lines = (
        sample.taxon.scientific_name,
        f"{sample.get_material_display()} · {_num(sample.quantity)} {sample.get_unit_display()}",
        " · ".join(
            p for p in (collected, sample.individual.code if sample.individual_id else "") if p
        ),
        f"{sample.container.code} {sample.position}".strip() if sample.container_id else "",
    )
    return label_svg(
        LabelText(
            sample.code, tuple(line for line in lines if line), url or f"barys:sample:{sample.code}"
        )
    )


def container_label(container: object, *, url: str = "") -> str:
    from barys.cryobank.models import Container

    assert isinstance(container, Container)
    lines = (
        container.get_kind_display(),
        container.name,
        f"{container.rows} × {container.columns}" if container.rows else "",
    )
    return label_svg(
        LabelText(
            container.code,
            tuple(line for line in lines if line),
            url or f"barys:container:{container.code}",
        )
    )


def _num(value: object) -> str:
    text = f"{value}"
    return text.rstrip("0").rstrip(".") if "." in text else text
