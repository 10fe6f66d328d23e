"""Files that appear whole or not at all, their fingerprints, and the leftovers of killed runs.

A file is written under a hidden temporary name beside its final one,
``.wavesegment-PID-NAME-RANDOM``, and renamed when complete. A run that is killed (SIGKILL, a
power cut) cannot remove its temporary files; the process id in their names lets a later run
tell them from those of a run still going (:func:`remove_stale_temporaries`).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from contextlib import contextmanager
from pathlib import Path

TEMPORARY_PREFIX = ".wavesegment-"
_TEMPORARY = re.compile(r"\.wavesegment-(\d+)-")


@contextmanager
def atomic_path(path: str | os.PathLike):
    """Yield a temporary path beside ``path``; rename it to ``path`` only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(
        prefix=f"{TEMPORARY_PREFIX}{os.getpid()}-{path.stem}-", suffix=path.suffix, dir=path.parent
    )
    os.close(handle)
    os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes 0600; outputs are shared files
    try:
        yield Path(temporary)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def temporaries_of(folder: str | os.PathLike, pid: int | None = None) -> list[Path]:
    """The temporary files of :func:`atomic_path` in ``folder``, of process ``pid`` or of any."""
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    found = []
    for name in names:
        match = _TEMPORARY.match(name)
        if match and (pid is None or int(match.group(1)) == pid):
            found.append(Path(folder) / name)
    return found


def remove_stale_temporaries(folder: str | os.PathLike) -> int:
    """Remove the temporary files that killed runs left in ``folder``; return how many.

    A file is stale when the process named in it no longer runs; files of running processes
    (a concurrent run) stay.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / ".wavesegment-999999999-coins_labels-x1.png").write_bytes(b"")
    >>> remove_stale_temporaries(folder)
    1
    """
    removed = 0
    for path in temporaries_of(folder):
        pid = int(_TEMPORARY.match(path.name).group(1))
        if not _is_running(pid):
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def _is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):
        return False
    except PermissionError:  # another user's process
        return True
    return True


def fingerprint(path: str | os.PathLike) -> dict:
    """Size and SHA-256 of a file's content: what a resumed run compares.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "a.txt"
    >>> _ = path.write_bytes(b"abc")
    >>> fingerprint(path)["size"], fingerprint(path)["sha256"][:12]
    (3, 'ba7816bf8f01')
    """
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return {"size": size, "sha256": digest.hexdigest()}


def _umask() -> int:
    mask = os.umask(0o022)  # reading the umask means setting it: put it straight back
    os.umask(mask)
    return mask
