"""Hostile uploads, each read in a child process under a memory ceiling: refused or previewed.

A reader that aborts (signal 6: fastexcel asked for 512 GB for one far cell), runs out of the
ceiling or hangs fails its case instead of killing the test run. The child reports how long the
read took and its peak memory (VmHWM); bench/bench_upload_hostile.py holds the 2 s / 300 MB
targets with medians, here the bounds are wide enough to never flake and still catch a grid.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tests.support.publish import run_cli
from tests.support.world import DATA

sys.path.insert(0, str(DATA))
import make_files  # tests/data is not a package: found through sys.path

HOSTILE = make_files.hostile_files()


def test_the_cli_preview_refuses_the_far_cell_workbook_instead_of_aborting(
    small_world, con, db_path: Path, tmp_path: Path
) -> None:
    name, make, _ = HOSTILE["xfd_cell"]
    (tmp_path / name).write_bytes(make())
    con.close()  # the child needs the data file
    done = run_cli(db_path, "preview", "--quest", "1", str(tmp_path / name))
    assert done.returncode == 2, done.stderr[-500:]
    assert "value in cell XFD1048576" in done.stderr
    assert "Traceback" not in done.stderr
