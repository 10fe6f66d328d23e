"""Real signals on real batches: nothing hangs, no process or partial file outlives the command.

Each test polls for the condition it waits on (generous limits for a loaded machine) instead of
sleeping fixed times.
"""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from PIL import Image

from .corpus import shapes_uint8

COMMAND = str(Path(sys.executable).with_name("wavesegment"))
pytestmark = pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")


def _images(folder: Path, count: int, size: int = 96) -> None:
    folder.mkdir(parents=True)
    for index in range(count):
        Image.fromarray(shapes_uint8(size, seed=index)).save(folder / f"image_{index}.png")


def _wait(condition, seconds: float = 120.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{parent}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                children = Path(f"/proc/{parent}/task/{task}/children").read_text().split()
            except OSError:
                continue
            found += map(int, children)
            todo += map(int, children)
    return found


def _start_batch(tmp_path: Path, jobs: int = 2, pipes: bool = True):
    _images(tmp_path / "in", 8)
    output = tmp_path / "out"
    command = [COMMAND, "batch", str(tmp_path / "in"), "-o", str(output), "-j", str(jobs), "-q"]
    pipe = subprocess.PIPE if pipes else subprocess.DEVNULL  # workers inherit the pipes
    process = subprocess.Popen(command, stdout=pipe, stderr=pipe, text=True, start_new_session=True)
    # Wait until the workers run (the worker processes and the resource tracker exist).
    assert _wait(lambda: len(_descendants(process.pid)) >= jobs + 1 or process.poll() is not None)
    assert process.poll() is None, process.communicate()
    return process, output


def _no_leftovers(output: Path, processes: list[int]) -> None:
    assert _wait(lambda: not any(_alive(pid) for pid in processes), 60), "a process survived"
    files = [path.name for path in output.rglob("*") if path.is_file()] if output.exists() else []
    assert not [name for name in files if name.startswith(".")], files  # temporary files
    stems = {name.rsplit("_", 1)[0] for name in files if not name.startswith("summary")}
    for stem in stems:  # every image has all its outputs or none
        assert {f"{stem}_labels.png", f"{stem}_overlay.png", f"{stem}_segments.json"} <= set(files)


def test_a_second_stop_signal_exits_at_once_and_leaves_nothing(tmp_path):
    process, output = _start_batch(tmp_path)
    children = _descendants(process.pid)
    os.killpg(process.pid, signal.SIGINT)  # Ctrl-C: the whole process group
    time.sleep(0.2)  # the second stop soon after the first; SIGTERM acts as Ctrl-C does
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert stderr.startswith("error: interrupted") and len(stderr.strip().splitlines()) == 1
    _no_leftovers(output, children)


def test_sigterm_once_finishes_the_images_in_flight(tmp_path):
    process, output = _start_batch(tmp_path)
    children = _descendants(process.pid)
    process.send_signal(signal.SIGTERM)  # to the command only, as a service manager sends it
    _, stderr = process.communicate(timeout=180)
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    _no_leftovers(output, children)


def test_workers_of_a_killed_batch_stop(tmp_path):
    process, output = _start_batch(tmp_path, pipes=False)
    children = _descendants(process.pid)
    process.kill()  # SIGKILL: the command cannot clean up, its workers must notice
    process.wait(timeout=60)
    assert _wait(lambda: not any(_alive(pid) for pid in children), 60), "a worker survived"
    # Whatever the workers could not remove, the next run does.
    finished = subprocess.run(
        [COMMAND, "batch", str(tmp_path / "in"), "-o", str(output), "-j", "1", "-q"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert finished.returncode == 0, finished.stderr
    _no_leftovers(output, [])


def test_a_silent_scheduler_times_out_with_one_line(tmp_path):
    _images(tmp_path / "in", 1, size=24)
    listener = socket.create_server(("127.0.0.1", 0))
    accepted = []
    threading.Thread(target=lambda: accepted.append(listener.accept()), daemon=True).start()
    address = f"tcp://127.0.0.1:{listener.getsockname()[1]}"
    started = time.monotonic()
    result = subprocess.run(
        [COMMAND, "batch", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "-q"]
        + ["--scheduler", address],
        capture_output=True,
        text=True,
        timeout=120,
    )
    listener.close()
    assert result.returncode == 2, result.stderr
    assert (
        result.stderr.startswith("error: cannot reach a Dask scheduler")
        and len(result.stderr.strip().splitlines()) == 1
    )
    assert time.monotonic() - started < 60
