"""Numba's cache of the compiled kernels goes to the user's cache folder, not the package."""

import os
import subprocess
import sys
from pathlib import Path

import wavesegment

PACKAGE = Path(wavesegment.__file__).parent
SEGMENT = (
    "import numpy as np\n"
    "from wavesegment import segment\n"
    "from wavesegment.dynamics import engines\n"
    "engines.NUMPY_UNIT_STEPS = 0  # the kernels from the first step on\n"
    "segment(np.random.default_rng(0).random((40, 40)), engine='numba')\n"
    "segment(np.random.default_rng(0).random((40, 40)), dynamics='critical')\n"
)


def _cache_files(folder: Path) -> dict[Path, int]:
    return {path: path.stat().st_mtime_ns for path in folder.rglob("*.nb[ic]")}


def _segment_in_a_process(**variables: str) -> None:
    environment = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"} | variables
    completed = subprocess.run(
        [sys.executable, "-c", SEGMENT], env=environment, capture_output=True, text=True
    )
    assert completed.returncode == 0, completed.stderr


def test_kernels_are_cached_under_xdg_cache_home(tmp_path):
    in_package = _cache_files(PACKAGE)  # left by older versions, or by other processes
    _segment_in_a_process(XDG_CACHE_HOME=str(tmp_path))
    cached = _cache_files(tmp_path / "wavesegment" / "numba")
    assert {path.suffix for path in cached} == {".nbi", ".nbc"}
    assert {path.name.split("-")[0] for path in cached} == {
        "_critical_kernels.advance_critical",
        "_kernels.advance",
        "_kernels.unit_phasors",
    }
    new = {path for path, mtime in _cache_files(PACKAGE).items() if in_package.get(path) != mtime}
    assert not new, f"written into the package: {sorted(new)}"


def test_numba_cache_dir_takes_precedence(tmp_path):
    _segment_in_a_process(XDG_CACHE_HOME=str(tmp_path / "xdg"), NUMBA_CACHE_DIR=str(tmp_path))
    assert _cache_files(tmp_path / "xdg") == {}
    assert {path.suffix for path in _cache_files(tmp_path)} == {".nbi", ".nbc"}


def test_an_unwritable_home_falls_back_to_the_temporary_folder(tmp_path):
    home = tmp_path / "home"
    home.mkdir(mode=0o500)
    if os.access(home, os.W_OK):  # root writes anywhere
        home.chmod(0o700)
        (home / ".cache").write_text("a file where the cache folder would be")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    _segment_in_a_process(HOME=str(home), XDG_CACHE_HOME="", TMPDIR=str(scratch))
    assert {path.suffix for path in _cache_files(scratch)} == {".nbi", ".nbc"}
