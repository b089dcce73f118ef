"""The Teams app icons, drawn from code with the standard library only (zlib + struct), byte-for-byte reproducible.

    python tools/icons.py            # rewrites manifest/color.png and manifest/outline.png
    python tools/icons.py --check    # exit 1 if the committed icons differ from what this script draws

The glyph is a wall calendar (two binding rings, a header band, a grid of days) with one day marked: the bot books
customers and posts shifts. It is drawn on a 32-unit grid out of axis-aligned rectangles, so it stays crisp at both
sizes without anti-aliasing:

- `outline.png`, 32x32: the glyph in white on a fully transparent background. Every pixel is RGB white; alpha is
  0 or 255 only, as Teams asks for outline icons.
- `color.png`, 192x192: the accent colour fills the square (Teams rounds the corners itself); the glyph, scaled 3x,
  sits in the central 96x96 safe area in white with the marked day in amber.
"""

from __future__ import annotations

import struct
import sys
import zlib
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MANIFEST_DIR = ROOT / "manifest"

ACCENT = (0x1F, 0x6F, 0x8B)  # keep in step with manifest.json "accentColor" (a test checks it)
WHITE = (0xFF, 0xFF, 0xFF)
AMBER = (0xF5, 0xB9, 0x42)

Rect = tuple[int, int, int, int]  # x0, y0, x1, y1 on the 32-unit grid, end-exclusive

# The calendar. Frame 2 units thick; the header band is solid; the rings stick out above it.
FRAME: list[Rect] = [
    (4, 7, 28, 12),  # header band (top edge of the frame included)
    (4, 12, 6, 28),  # left edge
    (26, 12, 28, 28),  # right edge
    (4, 26, 28, 28),  # bottom edge
    (9, 4, 12, 9),  # left ring
    (20, 4, 23, 9),  # right ring
]
DAYS: list[Rect] = [
    (8, 14, 12, 18),
    (14, 14, 18, 18),
    (20, 14, 24, 18),
    (8, 20, 12, 24),
    (14, 20, 18, 24),
]
MARKED_DAY: Rect = (20, 20, 24, 24)

Pixel = tuple[int, ...]


def _inside(rects: Iterable[Rect], x: int, y: int) -> bool:
    return any(x0 <= x < x1 and y0 <= y < y1 for x0, y0, x1, y1 in rects)


def outline_pixels() -> list[list[Pixel]]:
    """32x32 RGBA: white glyph, transparent (white, alpha 0) elsewhere."""
    glyph = [*FRAME, *DAYS, MARKED_DAY]
    return [[(*WHITE, 255 if _inside(glyph, x, y) else 0) for x in range(32)] for y in range(32)]


def color_pixels(size: int = 192, scale: int = 3) -> list[list[Pixel]]:
    """192x192 RGB: accent background, the 32-unit glyph scaled `scale` times and centred."""
    offset = (size - 32 * scale) // 2
    rows = []
    for py in range(size):
        row = []
        for px in range(size):
            gx, gy = px - offset, py - offset
            if 0 <= gx < 32 * scale and 0 <= gy < 32 * scale:
                ux, uy = gx // scale, gy // scale
                if _inside([*FRAME, *DAYS], ux, uy):
                    row.append(WHITE)
                    continue
                if _inside([MARKED_DAY], ux, uy):
                    row.append(AMBER)
                    continue
            row.append(ACCENT)
        rows.append(row)
    return rows


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def encode_png(rows: list[list[Pixel]]) -> bytes:
    """PNG bytes for rows of RGB or RGBA tuples (8 bits per channel, filter 0, no ancillary chunks)."""
    height, width = len(rows), len(rows[0])
    channels = len(rows[0][0])
    colour_type = {3: 2, 4: 6}[channels]
    raw = b"".join(b"\x00" + bytes(value for pixel in row for value in pixel) for row in rows)
    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw, 9)) + _chunk(b"IEND", b"")
    )


def decode_png(data: bytes) -> tuple[int, int, list[list[Pixel]]]:
    """(width, height, rows of RGB/RGBA tuples) for an 8-bit, non-interlaced RGB or RGBA PNG; all five filters."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG file")
    pos, idat, header = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        if zlib.crc32(kind + body) & 0xFFFFFFFF != crc:
            raise ValueError(f"bad CRC in {kind!r} chunk")
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
        pos += 12 + length
    if header is None:
        raise ValueError("no IHDR chunk")
    width, height, depth, colour_type, _, _, interlace = header
    if depth != 8 or colour_type not in (2, 6) or interlace:
        raise ValueError(f"unsupported PNG: depth {depth}, colour type {colour_type}, interlace {interlace}")
    bpp = 3 if colour_type == 2 else 4
    stride = width * bpp
    raw = zlib.decompress(idat)
    rows: list[list[Pixel]] = []
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = previous[i]
            c = previous[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + b) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                predictor = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + predictor) & 0xFF
            elif kind != 0:
                raise ValueError(f"bad filter type {kind}")
        rows.append([tuple(line[x : x + bpp]) for x in range(0, stride, bpp)])
        previous = line
    return width, height, rows


def icons() -> dict[str, bytes]:
    return {"color.png": encode_png(color_pixels()), "outline.png": encode_png(outline_pixels())}


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for name, data in icons().items():
        path = MANIFEST_DIR / name
        if check:
            if not path.is_file() or path.read_bytes() != data:
                stale.append(name)
        else:
            path.write_bytes(data)
            print(f"wrote {path.relative_to(ROOT)} ({len(data)} bytes)")
    if stale:
        print(f"stale icons: {', '.join(stale)}; run python tools/icons.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
