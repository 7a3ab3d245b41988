"""Every broken or hostile file in tests/data/hostile: one line, exit 1, project unchanged, and
bounded memory (each CLI run is capped with RLIMIT_AS, so a bomb would fail the test, not the
machine)."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TESTS_DATA
from tests.integration.reliability.conftest import fingerprint, one_clean_line

HOSTILE = TESTS_DATA / "hostile"
MEMORY_CAP = 1536 * 1024 * 1024  # 1.5 GiB of address space for the whole CLI process

CASES = [
    (["import", "{p}", "docx_zeros.docx"], "MiB limit"),
    (["import", "{p}", "docx_repeated_paragraphs.docx"], "MiB limit"),
    (["import", "{p}", "times_huge.csv", "--session", "H"], "times_huge.csv:2: time"),
    (["import", "{p}", "times_huge.eaf", "--session", "H"], "times_huge.eaf:10: time"),
    (["codebook", "import", "{p}", "codebook_alias_bomb.yaml"], "alias bomb"),
    (["codebook", "import", "{p}", "codebook_recursive.yaml"], "refers to itself"),
    (["codebook", "import", "{p}", "codebook_deep.yaml"], "YAML"),
    (["codebook", "import", "{p}", "codebook_deep.json"], "nested"),
    (["codebook", "import", "{p}", "codebook_deep_codes.json"], "nested"),
]


def _capped() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def run_capped(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("IPRW_DEBUG", None)
    env["OPENBLAS_NUM_THREADS"] = env["OMP_NUM_THREADS"] = "1"  # no per-thread arenas
    return subprocess.run([sys.executable, "-m", "app", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=300, preexec_fn=_capped)  # fmt: skip


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_AS is POSIX")
def test_hostile_files_one_line_project_unchanged_memory_bounded(made: Path) -> None:
    before = fingerprint(made)
    for args, words in CASES:
        result = run_capped([a.format(p=made) for a in args], HOSTILE)
        line = one_clean_line(result)
        assert words in line, (args, line)
        assert fingerprint(made) == before, args


def test_merging_from_a_damaged_copy_names_it_and_merges_nothing(
    made: Path, tmp_path: Path
) -> None:
    damaged = tmp_path / "damaged.iprw"
    data = bytearray(made.read_bytes())
    for offset in range(2 * 4096, len(data), 4096):
        data[offset + 8 : offset + 40] = bytes(range(32))
    damaged.write_bytes(bytes(data))
    before = fingerprint(made)
    line = one_clean_line(run_capped(["merge", str(made), str(damaged)], tmp_path))
    assert str(damaged) in line and "damaged" in line
    assert fingerprint(made) == before
