"""A batch's summary: one row per image, as ``summary.csv`` and ``summary.json``."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, fields
from pathlib import Path

from .single import ImageRecord

SUMMARY_FIELDS = tuple(column.name for column in fields(ImageRecord))
STATUSES = ("done", "skipped", "failed")


def count_statuses(records: list[ImageRecord]) -> dict[str, int]:
    """Images per status, every status of :data:`STATUSES` included."""
    return {status: sum(record.status == status for record in records) for status in STATUSES}


def write_summary(output: Path, records: list[ImageRecord]) -> tuple[Path, Path]:
    """Write ``summary.csv`` and ``summary.json`` (one row per image) atomically."""
    from ..files import atomic_path

    rows = [asdict(record) for record in records]
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=SUMMARY_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({**row, "warnings": "; ".join(row["warnings"])} for row in rows)
    counts = count_statuses(records)
    paths = output / "summary.csv", output / "summary.json"
    with atomic_path(paths[0]) as temporary:
        temporary.write_text(text.getvalue(), encoding="utf-8")
    with atomic_path(paths[1]) as temporary:
        temporary.write_text(
            json.dumps({"counts": counts, "images": rows}, indent=2) + "\n", encoding="utf-8"
        )
    return paths
