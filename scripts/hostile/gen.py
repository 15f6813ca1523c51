#!/usr/bin/env python3
"""Generated inputs for scripts/hostile.sh (issue 18, items 6 and 15).

    gen.py bomb OUT.gz MB     a gzip of MB megabytes of `1<TAB>2` lines
                              (expands ~1000x: a small gzip bomb)
    gen.py lines OUT N        N follows `i<TAB>i+1`-style between distinct
                              numeric ids (N users)
    gen.py append FILE SECS   for SECS seconds, append to FILE a follow cut
                              inside its last id (`baker_lola<TAB>mila_ate`),
                              then the rest of it (`lier` and the newline),
                              over and over: a file still being written
"""
import sys
import time
import zlib


def bomb(out, mb):
    chunk = b"1\t2\n" * (1 << 18)  # 1 MiB
    z = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip wrapper
    with open(out, "wb") as f:
        for _ in range(mb):
            f.write(z.compress(chunk))
        f.write(z.flush())


def lines(out, n):
    step = 1 << 16
    with open(out, "w") as f:
        for lo in range(0, n, step):
            hi = min(n, lo + step)
            f.write("".join("%d\t%d\n" % (i, (i * 7 + 1) % n) for i in range(lo, hi)))


def append(path, secs):
    end = time.time() + secs
    with open(path, "ab", buffering=0) as f:
        while time.time() < end:
            f.write(b"baker_lola\tmila_ate")
            time.sleep(0.002)
            f.write(b"lier\n")
            time.sleep(0.0005)


if __name__ == "__main__":
    what = sys.argv[1]
    if what == "bomb":
        bomb(sys.argv[2], int(sys.argv[3]))
    elif what == "lines":
        lines(sys.argv[2], int(sys.argv[3]))
    elif what == "append":
        append(sys.argv[2], float(sys.argv[3]))
    else:
        sys.exit("gen.py: unknown " + what)
