"""1-D signals: read from .csv or .npy, segmented on a line or a ring of oscillators, written
as a table of labels; and the exact operator of the run, as a diagonal state-space model.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from ..files import atomic_path
from .images import ImageError

#: File suffixes (lower case) read as 1-D signals.
SIGNAL_SUFFIXES = (".csv", ".npy")


def is_signal_file(path: str | os.PathLike) -> bool:
    """True for a file that ``run`` and ``explain`` read as a signal (by its suffix).

    Examples
    --------
    >>> is_signal_file("trace.csv"), is_signal_file("coins.png")
    (True, False)
    """
    return Path(path).suffix.lower() in SIGNAL_SUFFIXES


def read_signal(path: str | os.PathLike) -> np.ndarray:
    """A 1-D float64 signal: a .npy array, or a .csv of one column (or one row) of numbers.

    A .csv's first line is skipped if it is not numeric (a header). Raises ImageError, naming the
    file, for a missing file, one that is not one column of finite numbers, or an empty one.
    """
    path = Path(path)
    if not path.is_file():
        raise ImageError(f"{path}: no such file")
    try:
        if path.suffix.lower() == ".npy":
            values = np.load(path, allow_pickle=False)
        else:
            values = _read_csv(path)
        values = np.asarray(values, dtype=np.float64)
    except (OSError, ValueError) as error:
        raise ImageError(f"{path}: not a signal ({str(error).splitlines()[0]})") from None
    values = values.squeeze()
    if values.ndim != 1 or values.size < 2:
        raise ImageError(
            f"{path}: a signal is one column of at least 2 numbers, this has shape {values.shape}"
        )
    if not np.isfinite(values).all():
        raise ImageError(f"{path}: NaN or infinite values: fill or remove them first")
    return values


def _read_csv(path: Path) -> np.ndarray:
    lines = path.read_text(encoding="utf-8").strip().splitlines()
    try:
        float(lines[0].split(",")[0])
    except (ValueError, IndexError):
        lines = lines[1:]  # a header
    return np.loadtxt(lines, delimiter=",", ndmin=1)


def change_points(labels: np.ndarray) -> np.ndarray:
    """Indices where a 1-D label sequence changes (the first sample of each new piece).

    Examples
    --------
    >>> change_points(np.array([1, 1, 2, 2, 2, 1])).tolist()
    [2, 5]
    """
    return np.flatnonzero(np.diff(labels) != 0) + 1


def segment_signal_file(
    path: str | os.PathLike, *, folder: str | os.PathLike, stem: str, **segment_options
) -> tuple[object, dict[str, Path]]:
    """Read, segment and write one signal: ``stem_labels.csv`` (sample, value, label) and
    ``stem_segments.json`` (parameters, change points, piece sizes), each atomically.

    ``segment_options`` go to :func:`wavesegment.segment` (``periodic=True``: a ring). Returns
    the result and the paths written.
    """
    from ..segmentation import segment

    signal = read_signal(path)
    result = segment(signal, **segment_options)
    folder = Path(folder)
    paths = {"labels": folder / f"{stem}_labels.csv", "sidecar": folder / f"{stem}_segments.json"}
    table = np.column_stack([np.arange(signal.size), signal, result.labels])
    with atomic_path(paths["labels"]) as temporary:
        np.savetxt(
            temporary,
            table,
            delimiter=",",
            header="sample,value,label",
            comments="",
            fmt=["%d", "%.17g", "%d"],
        )
    record = {
        "source": str(path),
        "samples": int(signal.size),
        "segments": result.n_segments,
        "change_points": change_points(result.labels).tolist(),
        "pieces": np.bincount(result.labels)[1:].tolist(),
        "parameters": result.parameters,
        "timings": result.timings,
    }
    with atomic_path(paths["sidecar"]) as temporary:
        temporary.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return result, paths


def explain_signal_file(
    path: str | os.PathLike, *, folder: str | os.PathLike, stem: str, **segment_options
) -> tuple[dict, Path]:
    """Segment a signal and write the exact operator of both layers as diagonal state-space
    models, ``stem_operator.npz``: per layer its state matrix's diagonal (``layerK_state``), the
    input vectors (``layerK_input``, B) and the output vectors (``layerK_output``, C) and its
    units. Returns a summary (the leading eigenvalues per layer) and the path written.
    """
    from ..analysis.operator import network_operators

    result, _ = segment_signal_file(path, folder=folder, stem=stem, **segment_options)
    operators = network_operators(result.network, ~result.grid.background)
    arrays = {}
    summary = {"samples": int(result.labels.size), "grid": list(result.network.shape)}
    for name, model in operators.items():
        arrays.update(
            {
                f"{name}_{part}": getattr(model, part)
                for part in ("state", "input", "output", "units")
            }
        )
        summary[name] = {
            "modes": int(model.state.size),
            "leading": [[float(v.real), float(v.imag)] for v in model.state[:5]],
        }
    target = Path(folder) / f"{stem}_operator.npz"
    with atomic_path(target) as temporary:
        with open(temporary, "wb") as handle:
            np.savez(handle, **arrays)
    return summary, target
