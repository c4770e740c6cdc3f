"""Covers for the demo region's programs: one drawn picture per direction (a gradient in the direction's
colour with a few shapes of its subject), written once into MEDIA_ROOT, so that the program pages of
`./run` show covers without shipping photographs. Most demo programs point at their direction's picture;
every fifth has none, so the page's placeholder shows too."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from PIL import Image, ImageDraw

from catalog.models import DirectionCode

COVER_DIR = "programs/covers/demo"
SIZE = (1200, 800)
# The catalog's direction colours (static/css/portal.css, .portal-direction--*).
COLOURS = {
    DirectionCode.TECHNICAL: (13, 76, 211),
    DirectionCode.SCIENCE: (15, 122, 92),
    DirectionCode.SPORTS: (194, 65, 12),
    DirectionCode.ARTS: (162, 28, 175),
    DirectionCode.TOURISM: (21, 128, 61),
    DirectionCode.SOCIAL: (180, 83, 9),
}


def cover_name(direction: str, program_id: int, *, forced: bool = False) -> str:
    """The cover a demo program gets (its direction's), or "" for every fifth one (not the demo provider's
    showcase programs). By the id, so that the region's random draws stay as they were."""
    if not forced and program_id % 5 == 0:
        return ""
    return f"{COVER_DIR}/{direction}.jpg"


def _mix(colour: tuple[int, int, int], share: float) -> tuple[int, int, int]:
    """`colour` mixed with white: share 1 is the colour, 0 is white."""
    return tuple(round(255 - (255 - c) * share) for c in colour)


def _picture(direction: str) -> Image.Image:
    colour = COLOURS[DirectionCode(direction)]
    width, height = SIZE
    image = Image.new("RGB", SIZE)
    draw = ImageDraw.Draw(image)
    for y in range(height):  # a vertical gradient from a light tint to a stronger one
        draw.line([(0, y), (width, y)], fill=_mix(colour, 0.18 + 0.5 * y / height))
    ink, light = colour, _mix(colour, 0.35)
    if direction == DirectionCode.TECHNICAL:  # gears
        for cx, cy, r in ((430, 400, 170), (700, 300, 110), (760, 560, 90)):
            draw.ellipse([cx - r, cy - r, cx + r, cy + r], outline=ink, width=34)
            draw.ellipse([cx - r // 3, cy - r // 3, cx + r // 3, cy + r // 3], fill=ink)
    elif direction == DirectionCode.SCIENCE:  # a flask and bubbles
        draw.polygon([(540, 180), (660, 180), (660, 360), (800, 640), (400, 640), (540, 360)], fill=ink)
        for cx, cy, r in ((600, 520, 40), (680, 580, 28), (520, 590, 22)):
            draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=light)
    elif direction == DirectionCode.SPORTS:  # a ball on a field
        draw.rectangle([0, 600, width, height], fill=_mix(colour, 0.55))
        draw.ellipse([470, 260, 730, 520], fill="white", outline=ink, width=16)
        draw.polygon([(600, 330), (650, 370), (630, 430), (570, 430), (550, 370)], fill=ink)
    elif direction == DirectionCode.ARTS:  # a palette
        draw.ellipse([340, 220, 860, 600], fill="white", outline=ink, width=14)
        for i, paint in enumerate(((220, 38, 38), (234, 179, 8), (37, 99, 235), (22, 163, 74), ink)):
            cx, cy = 450 + i * 80, 330 + (i % 2) * 60
            draw.ellipse([cx - 32, cy - 32, cx + 32, cy + 32], fill=paint)
    elif direction == DirectionCode.TOURISM:  # mountains and the sun
        draw.ellipse([800, 140, 940, 280], fill=(250, 204, 21))
        draw.polygon([(150, 700), (480, 260), (760, 700)], fill=ink)
        draw.polygon([(520, 700), (820, 360), (1100, 700)], fill=light)
    else:  # speech bubbles
        draw.rounded_rectangle([280, 200, 720, 460], radius=60, fill=ink)
        draw.polygon([(360, 440), (420, 460), (340, 540)], fill=ink)
        draw.rounded_rectangle([520, 380, 940, 620], radius=60, fill="white", outline=ink, width=12)
    return image


def covers_write(root: Path | None = None) -> int:
    """Write the six direction covers under MEDIA_ROOT where missing; returns how many were written."""
    folder = Path(root or settings.MEDIA_ROOT) / COVER_DIR
    folder.mkdir(parents=True, exist_ok=True)
    written = 0
    for direction in DirectionCode.values:
        path = folder / f"{direction}.jpg"
        if not path.exists():
            _picture(direction).save(path, "JPEG", quality=82, optimize=True)
            written += 1
    return written
