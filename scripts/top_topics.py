"""Prints the K topics of a topics.tsv with the most distinct users (ties by
name), comma separated: the topics ../shared/bench/peers.py --topics K ranks.

Usage: python3 scripts/top_topics.py topics.tsv K
"""
import sys

import polars as pl

path, k = sys.argv[1], int(sys.argv[2])
t = pl.read_csv(path, separator="\t", has_header=False, comment_prefix="#",
                columns=[0, 1], new_columns=["user", "topic"],
                schema_overrides={"user": pl.String, "topic": pl.String})
c = (t.group_by("topic").agg(pl.col("user").n_unique().alias("n"))
      .sort(["n", "topic"], descending=[True, False]))
print(",".join(c["topic"].head(k).to_list()))
