#!/usr/bin/env python3
"""Writes data/accounts.tsv, the account history of the bundled sample
(stdlib only, deterministic): the follow farm (`farm_bot_*`) and its buyer
were created in the last weeks of November 2026; everybody else years
earlier; the fashion tastemakers are verified; one account is restricted
and one suspended, so every status appears. Use with --as-of 2026-12-01."""
import datetime, hashlib, pathlib

root = pathlib.Path(__file__).resolve().parent.parent
users = set()
for name in ("edges.tsv", "topics.tsv"):
    for line in (root / "data" / name).read_text().splitlines():
        if line and not line.startswith("#"):
            cols = line.split("\t")
            users.update(cols[:2] if name == "edges.tsv" else cols[:1])
verified = {"vogue_vera", "runway_rosa", "stylist_kemal", "fabric_ines", "couture_hana", "editor_lars"}
as_of = datetime.date(2026, 12, 1)
out = ["# user<TAB>created<TAB>status: account history of the sample, written by scripts/make_sample_accounts.py (use --as-of 2026-12-01), do not edit.",
       "user\tcreated\tstatus"]
for u in sorted(users):
    h = int(hashlib.sha256(u.encode()).hexdigest(), 16)
    if u.startswith("farm_bot_") or u == "cheap_followers_buyer":
        age = 3 + h % 20
    else:
        age = 400 + h % 3000
    status = "verified" if u in verified else "active"
    if u == "user_zola":
        status = "suspended"
    if u == "user_yusuf":
        status = "restricted"
    created = as_of - datetime.timedelta(days=age)
    out.append(f"{u}\t{created.isoformat()}\t{status}")
(root / "data" / "accounts.tsv").write_text("\n".join(out) + "\n")
