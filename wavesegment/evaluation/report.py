"""Evaluation results as rich tables, CSV and JSON (written atomically)."""

from __future__ import annotations

import csv
import json
import os

from rich.table import Table

from ..io.files import atomic_path
from .evaluate import METRICS, SEPARATED_ARI

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
    return table


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
    """Write the rows as CSV with a header line, atomically."""
    with atomic_path(path) as temporary, open(temporary, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def write_json(path: str | os.PathLike, report: dict) -> None:
    """Write ``report`` as indented JSON, atomically."""
    with atomic_path(path) as temporary, open(temporary, "w") as handle:
        json.dump(report, handle, indent=2)
        handle.write("\n")
