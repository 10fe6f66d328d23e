"""An evaluation run and its report: rich tables, CSV and JSON (written atomically)."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable, Sequence

from rich.table import Table

from ..files import atomic_path
from .datasets import Dataset, open_dataset, shapes_dataset
from .evaluate import (
    METRICS,
    SEPARATED_ARI,
    Method,
    evaluate,
    felzenszwalb_levels_method,
    felzenszwalb_method,
    slic_method,
    summarise,
    wavesegment_method,
)

HEADINGS = {
    "iou_best": "IoU best",
    "iou_union": "IoU union",
    "covering": "covering",
    "pri": "PRI",
    "voi": "VoI bits",
    "ari": "ARI",
    "fg_ari": "fg ARI",
    "segments": "segments",
    "seconds": "s/image",
}

# The benchmark's scores at the dataset's (ODS) and the images' (OIS) best thresholds.
BENCHMARK_ROWS = (
    ("boundary F  ODS / OIS", "boundary_ods_f", "boundary_ois_f"),
    ("boundary P  ODS / OIS", "boundary_ods_precision", "boundary_ois_precision"),
    ("boundary R  ODS / OIS", "boundary_ods_recall", "boundary_ois_recall"),
    ("boundary AP", "boundary_ap", None),
    ("covering  ODS / OIS", "covering_ods", "covering_ois"),
    ("PRI  ODS / OIS", "pri_ods", "pri_ois"),
    ("VoI bits  ODS / OIS", "voi_ods", "voi_ois"),
)


def run_evaluation(
    dataset: str | os.PathLike | None = None,
    *,
    shapes: int | None = None,
    count: int = 20,
    overlap: bool = False,
    options: dict | None = None,
    baselines: bool = True,
    seeds: Sequence[int] = (0,),
    limit: int | None = None,
    boundaries: bool | None = None,
    csv_path: str | os.PathLike | None = None,
    json_path: str | os.PathLike | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Score wavesegment, and the baselines, on a dataset; return the report, write it if asked.

    Parameters
    ----------
    dataset : path-like, optional
        A folder of images with ground truth (see
        :func:`~wavesegment.evaluation.datasets.open_dataset`).
    shapes, count, overlap : int, int, bool
        Instead of ``dataset``: ``count`` generated images of 2 or 3 shapes.
    options : dict, optional
        Keywords of :func:`wavesegment.segment` (segments, engine, preset, ...).
    baselines : bool
        Also score scikit-image's felzenszwalb and slic.
    seeds : sequence of int
        Seeds of wavesegment, each run on every image.
    limit : int, optional
        Evaluate only the first ``limit`` images.
    boundaries : bool, optional
        Also run the BSDS500 benchmark: boundary precision, recall and F, and the region
        scores, at the dataset's and each image's best threshold (ODS, OIS), and with the
        baselines Felzenszwalb at several scales too. Default: for BSDS500-style datasets
        (every label a region).
    csv_path, json_path : path-like, optional
        Write the rows as CSV (one per image, method and seed), the report as JSON.
    progress : callable, optional
        Called as ``progress(finished, total)`` with the count of (image, method) pairs, once
        before the first and after each.

    Returns
    -------
    dict
        ``name`` and ``dataset`` (the dataset's name and what was given), ``kind``, ``images``,
        ``seeds``, ``methods`` (the parameters of each), ``summary`` (:func:`summarise`) and
        ``rows`` (:func:`~wavesegment.evaluation.evaluate.evaluate`).

    Raises
    ------
    ValueError
        If neither or both of ``dataset`` and ``shapes`` are given, or a sample cannot be
        scored; :class:`~wavesegment.io.images.ImageError` for a dataset that cannot be read.
    OSError
        If the CSV or JSON cannot be written.

    Examples
    --------
    >>> report = run_evaluation(shapes=2, count=1, baselines=False, options={"engine": "exact"})
    >>> report["kind"], report["images"], len(report["rows"])
    ('objects', 1, 1)
    """
    data = _dataset(dataset, shapes, count, overlap)
    if boundaries is None:
        boundaries = data.kind == "regions"
    methods = [wavesegment_method(**(options or {}))]
    if baselines:
        methods += [felzenszwalb_method(), slic_method()]
        methods += [felzenszwalb_levels_method()] if boundaries else []
    seeds = list(seeds)
    rows = _scored_rows(data, methods, seeds, limit, boundaries, progress)
    report = {
        "name": data.name,
        "dataset": str(dataset) if dataset is not None else data.name,
        "kind": data.kind,
        "images": len(data) if limit is None else min(limit, len(data)),
        "seeds": seeds,
        "methods": {method.name: method.parameters for method in methods},
        "summary": summarise(rows, data.kind),
        "rows": rows,
    }
    if csv_path is not None:
        write_csv(csv_path, rows)
    if json_path is not None:
        write_json(json_path, report)
    return report


def _dataset(
    dataset: str | os.PathLike | None, shapes: int | None, count: int, overlap: bool
) -> Dataset:
    if (dataset is None) == (shapes is None):
        raise ValueError("give exactly one of a dataset folder and a number of shapes (2 or 3)")
    if dataset is not None:
        return open_dataset(dataset)
    return shapes_dataset(shapes, count=count, overlap=overlap)


def _scored_rows(
    data: Dataset,
    methods: list[Method],
    seeds: list[int],
    limit: int | None,
    boundaries: bool,
    progress: Callable[[int, int], None] | None,
) -> list[dict]:
    total = (len(data) if limit is None else min(limit, len(data))) * len(methods)
    finished, rows = 0, []
    if progress is not None:
        progress(finished, total)
    for row in evaluate(data, methods, seeds=seeds, limit=limit, boundaries=boundaries):
        rows.append(row)
        if row["seed"] is None or row["seed"] == seeds[-1]:  # the method is done with the image
            finished += 1
            if progress is not None:
                progress(finished, total)
    return rows


def summary_table(summary: dict[str, dict], kind: str, *, title: str = "") -> Table:
    """Scores down, methods across: mean / median of each score, segment count and seconds.

    Examples
    --------
    >>> entry = {"rows": 1, "segments": {"mean": 2.0, "median": 2.0}}
    >>> entry |= {key: {"mean": 0.5, "median": 0.5} for key in ("covering", "pri", "voi", "ari")}
    >>> entry["seconds"] = {"mean": 0.1, "median": 0.1}
    >>> summary_table({"slic": entry}, "regions").row_count
    7
    """
    table = Table(title=title, caption="mean / median over the rows of each method")
    table.add_column("")
    for name in summary:
        table.add_column(name, justify="right")
    entries = summary.values()
    table.add_row("rows", *(str(entry["rows"]) for entry in entries))
    for key in (*METRICS[kind], "segments", "seconds"):
        digits = 2 if key == "segments" else 3
        table.add_row(
            HEADINGS[key],
            *(
                f"{entry[key]['mean']:.{digits}f} / {entry[key]['median']:.{digits}f}"
                for entry in entries
            ),
        )
    if kind == "objects":
        table.add_row(
            f"fg ARI >= {SEPARATED_ARI}", *(f"{entry['separated']:.0%}" for entry in entries)
        )
    if all("benchmark" in entry for entry in entries):
        table.add_section()
        table.caption = (
            "mean / median over the rows of each method, of the label map it answers; "
            "ODS / OIS: the benchmark over the thresholds of the line 'ODS / OIS over' "
            "(wavesegment natural: cuts of its merge tree, the default cut among them)"
        )
        table.add_row(
            "ODS / OIS over", *(_thresholds_cell(entry["benchmark"]) for entry in entries)
        )
        for heading, ods, ois in BENCHMARK_ROWS:
            table.add_row(
                heading, *(_benchmark_cell(entry["benchmark"], ods, ois) for entry in entries)
            )
    return table


def _thresholds_cell(scores: dict) -> str:
    """What the benchmark's thresholds cut, e.g. ``16 tree cuts`` or ``1 label map``."""
    count, kind = scores["thresholds"], scores.get("levels_of", "maps")
    return f"{count} tree cuts" if kind == "tree cuts" else f"{count} label map" + "s" * (count > 1)


def _benchmark_cell(scores: dict, ods: str, ois: str | None) -> str:
    if ois is None:  # AP: no curve under one threshold
        return f"{scores[ods]:.3f}" if scores["thresholds"] > 1 else "-"
    return f"{scores[ods]:.3f} / {scores[ois]:.3f}"


def rows_table(rows: list[dict], kind: str) -> Table:
    """One line per image, method and seed."""
    keys = (*METRICS[kind], "segments", "seconds")
    table = Table()
    for column in ("image", "method", "seed", *(HEADINGS[key] for key in keys)):
        table.add_column(column, justify="left" if column in ("image", "method") else "right")
    for row in rows:
        seed = "" if row["seed"] is None else str(row["seed"])
        values = [f"{row[key]:.3f}" if key != "segments" else str(row[key]) for key in keys]
        table.add_row(row["image"], row["method"], seed, *values)
    return table


def write_csv(path: str | os.PathLike, rows: list[dict]) -> None:
    """Write the rows as CSV with a header line, atomically; per-threshold ``levels`` go only
    to the JSON."""
    fields = [key for key in rows[0] if key != "levels"]
    with atomic_path(path) as temporary, open(temporary, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def write_json(path: str | os.PathLike, report: dict) -> None:
    """Write ``report`` as indented JSON, atomically."""
    with atomic_path(path) as temporary, open(temporary, "w") as handle:
        json.dump(report, handle, indent=2)
        handle.write("\n")
