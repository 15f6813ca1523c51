"""Shared fixtures: the CLI binary, and snapshots of the bundled sample and
of Ciao ranked by it, to compare the package's answers against.

The CLI is `target/release/marketrank` (built by `cargo test --release`,
which .ci/run runs first), or $MARKETRANK_BIN; built here when missing.
"""

from __future__ import annotations

import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SAMPLE = (ROOT / "data" / "edges.tsv", ROOT / "data" / "topics.tsv")
CIAO = (ROOT / "tests/data/real/ciao/edges.tsv", ROOT / "tests/data/real/ciao/topics.tsv")


@pytest.fixture(scope="session")
def cli() -> pathlib.Path:
    path = pathlib.Path(os.environ.get("MARKETRANK_BIN", ROOT / "target/release/marketrank"))
    if not path.exists():
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    return path


def run(cli, *args) -> str:
    """The CLI's stdout; a failing command fails the test with its stderr."""
    p = subprocess.run([str(cli), *map(str, args)], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    return p.stdout


def rank_cli(cli, tmp, name, edges, topics, *extra) -> pathlib.Path:
    out = tmp / f"{name}.snap"
    run(cli, "rank", "--edges", edges, "--topics", topics, "--out", out, "-q", *extra)
    return out


@pytest.fixture(scope="session")
def sample_snap(cli, tmp_path_factory) -> pathlib.Path:
    return rank_cli(cli, tmp_path_factory.mktemp("sample"), "sample", *SAMPLE)


@pytest.fixture(scope="session")
def ciao_snap(cli, tmp_path_factory) -> pathlib.Path:
    return rank_cli(cli, tmp_path_factory.mktemp("ciao"), "ciao", *CIAO)


@pytest.fixture(params=["sample", "ciao"])
def snap_path(request, sample_snap, ciao_snap) -> pathlib.Path:
    return {"sample": sample_snap, "ciao": ciao_snap}[request.param]
