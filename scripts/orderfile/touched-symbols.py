#!/usr/bin/env python3
"""Prints the symbols of BIN's code that lie in the pages listed in PAGES (one hexadecimal
address a line, relative to the load base, in the order they first ran: text-trace.c), in that
order, and by address within a page (scripts/measure-idle-memory with ORDERFILE=…).

    touched-symbols.py PAGES BIN > orderfile
"""
import bisect
import subprocess
import sys

PAGE = 4096


def code_symbols(binary):
    out = subprocess.run(["nm", "-S", "--defined-only", "-n", binary], check=True, capture_output=True, text=True).stdout
    symbols = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[2] in "tTwW":
            symbols.append((int(parts[0], 16), int(parts[1], 16), parts[3]))
    return symbols


def main():
    pages_file, binary = sys.argv[1], sys.argv[2]
    with open(pages_file) as f:
        pages = [int(line, 16) for line in f if line.strip()]
    symbols = code_symbols(binary)
    starts = [s[0] for s in symbols]
    seen, names = set(), []
    for page in pages:
        i = max(bisect.bisect_right(starts, page) - 1, 0)
        while i < len(symbols) and symbols[i][0] < page + PAGE:
            addr, size, name = symbols[i]
            if addr + max(size, 1) > page and name not in seen:
                seen.add(name)
                names.append(name)
            i += 1
    print(f"# {len(pages)} pages ran, {len(names)} symbols", file=sys.stderr)
    print("\n".join(names))


if __name__ == "__main__":
    main()
