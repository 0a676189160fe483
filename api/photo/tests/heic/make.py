#!/usr/bin/env python3
"""Writes the HEIC test photos of this folder with heif-enc (apt-get install libheif-examples).

    python3 api/photo/tests/heic/make.py

- page.heic: an upright 600x800 page of "handwriting" with a dark square in its top-left
  corner, no metadata.
- rotated-exif-gps.heic: what an iPhone held upright writes: the same page stored landscape
  (800x600), an `irot` transform that turns it upright, EXIF Orientation 6 saying the same
  (a reader must not apply both), GPS coordinates and a camera make.

heif-enc keeps a JPEG's EXIF but writes no `irot`; this script adds it to the file's boxes.
The bombs, truncated and fake files of the tests are made from page.heic by the tests.
"""
import os
import random
import struct
import subprocess
import tempfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
PAPER, INK, MARK = (250, 249, 243), (25, 30, 80), (10, 10, 10)
# The Make and GPSLatitude (39°54'26.50") of tingke_photo::testimages: the tests look for them.
MAKE = b"TingkePhone\0"
LATITUDE = struct.pack("<6I", 39, 1, 54, 1, 2650, 100)


def page(width, height, seed):
    rng = random.Random(seed)
    pixels = [[PAPER] * width for _ in range(height)]
    y = height // 8
    while y < height * 9 // 10:
        x, end = width // 10, width * rng.randint(55, 90) // 100
        while x < end:
            word = min(end, x + rng.randint(20, 70))
            for xx in range(x, word):
                wave = int(3 * ((xx // 4) % 3 - 1))
                for yy in range(y + wave - 2, y + wave + 2):
                    pixels[yy][xx] = INK
            x = word + rng.randint(8, 16)
        y += rng.randint(30, 45)
    side, margin = width // 15, width // 50
    for yy in range(margin, margin + side):
        for xx in range(margin, margin + side):
            pixels[yy][xx] = MARK
    return pixels


def turned_left(pixels):
    """Rotated 90° anticlockwise: how the sensor of a phone held upright stores the page."""
    height, width = len(pixels), len(pixels[0])
    return [[pixels[y][width - 1 - x] for y in range(height)] for x in range(width)]


def png(pixels):
    height, width = len(pixels), len(pixels[0])
    raw = b"".join(b"\0" + bytes(c for p in row for c in p) for row in pixels)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def exif_with_gps(orientation):
    """A little-endian TIFF: IFD0 with Make, Orientation and a GPS IFD with the latitude."""
    gps_at = 8 + 2 + 3 * 12 + 4 + len(MAKE)
    ifd0 = struct.pack("<H", 3)
    ifd0 += struct.pack("<HHII", 0x010F, 2, len(MAKE), 8 + 2 + 3 * 12 + 4)
    ifd0 += struct.pack("<HHIHH", 0x0112, 3, 1, orientation, 0)
    ifd0 += struct.pack("<HHII", 0x8825, 4, 1, gps_at) + struct.pack("<I", 0) + MAKE
    gps = struct.pack("<H", 2)
    gps += struct.pack("<HHI", 0x0001, 2, 2) + b"N\0\0\0"
    gps += struct.pack("<HHII", 0x0002, 5, 3, gps_at + 2 + 2 * 12 + 4) + struct.pack("<I", 0)
    return b"Exif\0\0" + b"II*\0" + struct.pack("<I", 8) + ifd0 + gps + LATITUDE


def with_app1(jpeg, payload):
    return jpeg[:2] + b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload + jpeg[2:]


def heif_enc(source, suffix, quality=40):
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "source" + suffix)
        out = os.path.join(tmp, "out.heic")
        with open(src, "wb") as f:
            f.write(source)
        subprocess.run(["heif-enc", "-q", str(quality), src, "-o", out], check=True, capture_output=True)
        with open(out, "rb") as f:
            return f.read()


def to_jpeg(pixels):
    """heif-enc reads EXIF from JPEG sources only: a PNG goes through HEIC to JPEG first."""
    with tempfile.TemporaryDirectory() as tmp:
        heic, jpg = os.path.join(tmp, "a.heic"), os.path.join(tmp, "a.jpg")
        with open(heic, "wb") as f:
            f.write(heif_enc(png(pixels), ".png", 90))
        subprocess.run(["heif-convert", "-q", "95", heic, jpg], check=True, capture_output=True)
        with open(jpg, "rb") as f:
            return f.read()


def boxes(data, start, end):
    """(type, start, end) of the boxes laid out in data[start:end]."""
    at = start
    while at < end:
        size, kind = struct.unpack(">I4s", data[at : at + 8])
        yield kind, at, at + size
        at += size


def find(data, path, start=0, end=None, full=0):
    """The box at `path` (types from the file's top), skipping `full` header bytes of `meta`."""
    end = len(data) if end is None else end
    for kind, s, e in boxes(data, start, end):
        if kind == path[0]:
            if len(path) == 1:
                return s, e
            inner = s + 8 + (4 if kind == b"meta" else 0)
            return find(data, path[1:], inner, e)
    raise KeyError(path)


def with_irot(heic, angle):
    """Adds an `irot` property (anticlockwise quarter turns) to item 1 of a single-image file.

    The property goes at the end of `ipco`, its association at the end of item 1's list in
    `ipma`; the boxes around grow, and the item locations (`iloc`) after `meta` move by as much.
    """
    data = bytearray(heic)
    meta = find(data, [b"meta"])
    ipco = find(data, [b"meta", b"iprp", b"ipco"])
    ipma = find(data, [b"meta", b"iprp", b"ipma"])
    iloc = find(data, [b"meta", b"iloc"])
    properties = sum(1 for _ in boxes(data, ipco[0] + 8, ipco[1]))
    version_flags = struct.unpack(">I", data[ipma[0] + 8 : ipma[0] + 12])[0]
    assert version_flags == 0, "ipma with 16-bit item ids or 15-bit indexes"
    entries = struct.unpack(">I", data[ipma[0] + 12 : ipma[0] + 16])[0]
    assert entries == 1
    item, count = struct.unpack(">HB", data[ipma[0] + 16 : ipma[0] + 19])
    assert item == 1
    irot = struct.pack(">I4sB", 9, b"irot", angle)
    # Essential (0x80) and the new property's 1-based index.
    association = bytes([0x80 | (properties + 1)])
    grown = 9 + 1
    # iloc: version 0/1, then the nibbles offset_size, length_size, base_offset_size, and items
    # of (id, [construction method], data reference, base offset, extents of offset, length).
    version = data[iloc[0] + 8]
    offset_size, length_size = data[iloc[0] + 12] >> 4, data[iloc[0] + 12] & 0x0F
    base_size = data[iloc[0] + 13] >> 4
    assert version in (0, 1) and offset_size in (0, 4) and base_size in (0, 4), "an unusual iloc"

    def moved(at):
        offset = struct.unpack(">I", data[at : at + 4])[0]
        data[at : at + 4] = struct.pack(">I", offset + grown)

    at = iloc[0] + 14
    count_items = struct.unpack(">H", data[at : at + 2])[0]
    at += 2
    for _ in range(count_items):
        at += 2 + (2 if version == 1 else 0) + 2  # item id, construction method, data reference
        base = struct.unpack(">I", data[at : at + 4])[0] if base_size else 0
        if base:
            moved(at)
        at += base_size
        extents = struct.unpack(">H", data[at : at + 2])[0]
        at += 2
        for _ in range(extents):
            if not base and offset_size:
                moved(at)
            at += offset_size + length_size
    # ipma follows ipco: changed first, it leaves ipco where it is.
    assert ipma[0] > ipco[0]

    def grow(start, extra):
        size = struct.unpack(">I", data[start : start + 4])[0]
        data[start : start + 4] = struct.pack(">I", size + extra)

    grow(ipma[0], 1)
    data[ipma[0] + 18] = count + 1
    data[ipma[0] + 19 + count : ipma[0] + 19 + count] = association
    grow(ipco[0], 9)
    data[ipco[1] : ipco[1]] = irot
    grow(find(data, [b"meta", b"iprp"])[0], grown)
    grow(meta[0], grown)
    return bytes(data)


def main():
    upright = page(600, 800, 11)
    with open(os.path.join(HERE, "page.heic"), "wb") as f:
        f.write(heif_enc(png(upright), ".png"))
    stored = turned_left(upright)
    jpeg = with_app1(to_jpeg(stored), exif_with_gps(6))
    # irot 3: three quarter turns anticlockwise, one clockwise, as EXIF Orientation 6 says.
    with open(os.path.join(HERE, "rotated-exif-gps.heic"), "wb") as f:
        f.write(with_irot(heif_enc(jpeg, ".jpg"), 3))


if __name__ == "__main__":
    main()
