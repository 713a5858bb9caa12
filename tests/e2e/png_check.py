#!/usr/bin/python3
"""Prints "WIDTH HEIGHT DISTINCT_COLOURS INKED_PERCENT" for an 8-bit RGB(A) PNG, standard library only.

INKED_PERCENT: the share of pixels that are not (near) white, in whole percent. The report test uses
it to tell a rendered page from a blank screenshot.
"""
import struct
import sys
import zlib


def rows(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise SystemExit(f"{path}: not a PNG")
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            if depth != 8 or colour not in (2, 6):
                raise SystemExit(f"{path}: only 8-bit RGB or RGBA, not depth {depth} colour type {colour}")
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                pred = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[i] = (line[i] + pred) & 0xFF
        yield width, height, channels, bytes(line)
        previous = line


def main():
    colours, inked, total, size = set(), 0, 0, (0, 0)
    for width, height, channels, line in rows(sys.argv[1]):
        size = (width, height)
        for x in range(0, len(line), channels):
            rgb = line[x:x + 3]
            colours.add(rgb)
            total += 1
            if min(rgb) < 240:
                inked += 1
    print(size[0], size[1], len(colours), inked * 100 // max(total, 1))


main()
