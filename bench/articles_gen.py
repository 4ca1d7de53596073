#!/usr/bin/env python3
"""Generates the article import benchmark's data: a BCG file (availability and prices) of
supplier 5000 for shop 10000 with N rows, as suppliers write them: the standard header, `|`
delimiter, CRLF line ends, decimal commas and points, an 0x18-quoted field now and then
(without a `|` inside, so that the sqlite3 shell's `.import`, which quotes with `"`, reads the
same 16 fields).
Article numbers are 7 digits from 1000000 on (ascending, as suppliers' exports are sorted).

usage: articles_gen.py N OUT_DIR   -> OUT_DIR/10000_5000_20261202120000_BCG.csv
"""
import os
import sys

n = int(sys.argv[1])
out = sys.argv[2]
os.makedirs(out, exist_ok=True)
header = ("supplierArticleNo|currency|purchasePrice|listPrice|stockLevel|stockType|availabilityInDays|salesPrice|"
          "basicPrice|basicPriceUnitValue|basicPriceUnit|salesPriceOld|provisionType|provisionPercentage|taxType|isBestseller")
with open(os.path.join(out, "10000_5000_20261202120000_BCG.csv"), "w", encoding="utf-8", newline="") as f:
    f.write(header + "\r\n")
    buf = []
    for i in range(n):
        no = 1000000 + i
        cents = 100 + (i * 7919) % 100000
        pp = f"{cents // 100},{cents % 100:02d}" if i % 2 else f"{cents // 100}.{cents % 100:02d}"
        sp = f"{(cents * 2) // 100},{(cents * 2) % 100:02d}"
        unit = "\x18100 ml Flasche\x18" if i % 1000 == 0 else "100 ml"
        buf.append(f"{no}|EUR|{pp}|{sp}|{i % 500}|1|{i % 30}|{sp}|{pp}|100|{unit}||P|2,5|FullTax|{i % 2}\r\n")
        if len(buf) == 10000:
            f.write("".join(buf))
            buf.clear()
    f.write("".join(buf))
