#!/usr/bin/env python3
"""Crafted snapshots for scripts/hostile.sh (issue 18, items 10 and 17).

    craft.py GOOD.snap OUTDIR USER

writes OUTDIR/<variant>.snap for each variant below: bytes inside one
section overwritten, then the file length, the body CRC-32 (bytes 64..len,
stored at 56..60) and the header CRC-32 (bytes 0..60, stored at 60..64)
fixed, so every file passes the checksums (docs/snapshot-format.md).
USER is an id of the snapshot with followers and tags; the offset variants
target that user's row. Prints one variant name a line; a variant whose
section is absent is printed as `skip <name> <why>`.
"""
import json
import math
import os
import struct
import sys
import zlib

META, ID_OFF, ID_BYTES, FOLLOWERS, SCORES, ORDER, ID_INDEX = 1, 2, 3, 4, 5, 6, 7
G_OFF, G_SRC, G_W, A_OFF, AFF, T_OFF, TELE = 8, 9, 10, 11, 12, 13, 14
HUGE = 1 << 40


def sections(b):
    tab, ns = struct.unpack_from("<QQ", b, 40)
    out = {}
    for i in range(ns):
        kind, _, off, ln, _ = struct.unpack_from("<IIQQQ", b, tab + 32 * i)
        out[kind] = (off, ln)
    return out


def fix_crcs(b):
    struct.pack_into("<Q", b, 32, len(b))
    struct.pack_into("<I", b, 56, zlib.crc32(bytes(b[64:])) & 0xFFFFFFFF)
    struct.pack_into("<I", b, 60, zlib.crc32(bytes(b[0:60])) & 0xFFFFFFFF)


def user_index(b, sec, n, user):
    off, _ = sec[ID_OFF]
    ids_at = sec[ID_BYTES][0]
    offs = struct.unpack_from("<%dQ" % (n + 1), b, off)
    for i in range(n):
        if b[ids_at + offs[i]: ids_at + offs[i + 1]] == user.encode():
            return i
    sys.exit("craft.py: user %r not in the snapshot" % user)


def main():
    good, outdir, user = sys.argv[1], sys.argv[2], sys.argv[3]
    base = bytearray(open(good, "rb").read())
    n, k = struct.unpack_from("<QQ", base, 16)
    dtype = struct.unpack_from("<I", base, 12)[0]
    fmt, width = ("<f", 4) if dtype == 1 else ("<d", 8)
    sec = sections(base)
    u = user_index(base, sec, n, user)

    def u64(b, kind, idx, value):
        struct.pack_into("<Q", b, sec[kind][0] + 8 * idx, value)

    def fill_u32(b, kind, value, stride=4, at=0):
        off, ln = sec[kind]
        for p in range(off + at, off + ln, stride):
            struct.pack_into("<I", b, p, value)

    def scores_nan(b):
        off, ln = sec[SCORES]
        for p in range(off, off + ln, width):
            struct.pack_into(fmt, b, p, math.nan)

    def one_nan(b):
        # the user's score in every market
        for m in range(k):
            struct.pack_into(fmt, b, sec[SCORES][0] + (u * k + m) * width, math.nan)

    def nonmono(b):
        nxt = struct.unpack_from("<Q", b, sec[G_OFF][0] + 8 * (u + 1))[0]
        u64(b, G_OFF, u, nxt + 5)

    def created_newline(b):
        off, ln = sec[META]
        text = bytes(b[off:off + ln])
        created = json.loads(text)["created"]
        # same JSON length, so no section moves: a newline and a metric line
        evil = 'x\\nevil_metric 1\\n#'
        evil += "#" * (len(created) - len(evil.encode()))
        assert len(evil) == len(created), (evil, created)
        new = text.replace(('"%s"' % created).encode(), ('"%s"' % evil).encode(), 1)
        assert len(new) == len(text)
        b[off:off + ln] = new

    variants = {
        # item 10: out-of-range offsets in graph, affinity, teleport sections
        "graph_offset_huge": (G_OFF, lambda b: u64(b, G_OFF, u + 1, HUGE)),
        "graph_offset_nonmonotone": (G_OFF, nonmono),
        "graph_source_oob": (G_SRC, lambda b: fill_u32(b, G_SRC, 0xFFFFFFF0)),
        "affinity_offset_huge": (A_OFF, lambda b: u64(b, A_OFF, u + 1, HUGE)),
        "affinity_market_oob": (AFF, lambda b: fill_u32(b, AFF, 999, stride=8)),
        "teleport_offset_huge": (T_OFF, lambda b: u64(b, T_OFF, u + 1, HUGE)),
        "teleport_market_oob": (TELE, lambda b: fill_u32(b, TELE, 999, stride=16)),
        # scores that are not finite
        "scores_all_nan": (SCORES, scores_nan),
        "scores_user_nan": (SCORES, one_nan),
        # order arrays / id index that are not permutations
        "order_all_zero": (ORDER, lambda b: fill_u32(b, ORDER, 0)),
        "order_oob": (ORDER, lambda b: fill_u32(b, ORDER, 0xFFFFFFFF)),
        "id_index_oob": (ID_INDEX, lambda b: fill_u32(b, ID_INDEX, 0xFFFFFFFF)),
        "id_offset_huge": (ID_OFF, lambda b: u64(b, ID_OFF, u + 1, HUGE)),
        # item 17: metadata `created` with a newline (for /metrics)
        "created_newline": (META, created_newline),
    }
    os.makedirs(outdir, exist_ok=True)
    for name, (kind, edit) in variants.items():
        if kind not in sec:
            print("skip %s section %d absent" % (name, kind))
            continue
        b = bytearray(base)
        edit(b)
        fix_crcs(b)
        with open(os.path.join(outdir, name + ".snap"), "wb") as f:
            f.write(b)
        print(name)


if __name__ == "__main__":
    main()
