"""``batch --scheduler``: the same batch on a real Dask cluster (scheduler and worker processes
on loopback). Skipped without the ``distributed`` extra."""

import json

import pytest
from PIL import Image
from typer.testing import CliRunner

from wavesegment.cli import app

from .corpus import shapes_uint8

distributed = pytest.importorskip("distributed")

runner = CliRunner()


def test_batch_on_a_local_cluster(tmp_path):
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    for seed in range(4):
        Image.fromarray(shapes_uint8(24, seed=seed)).save(folder / "sub" / f"image_{seed}.png")
    (folder / "broken.png").write_bytes(b"\x89PNG")
    output = tmp_path / "out"
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        arguments = ["batch", str(folder), "-o", str(output), "-q"]
        result = runner.invoke(app, [*arguments, "--scheduler", cluster.scheduler_address])
        assert result.exit_code == 1, result.output
        workers = {
            json.loads(path.read_text())["input"]
            for path in (output / "sub").glob("*_segments.json")
        }
        assert len(workers) == 4
        summary = json.loads((output / "summary.json").read_text())
        assert summary["counts"] == {"done": 4, "skipped": 0, "failed": 1}
        # A second run on the cluster resumes: nothing is left to do.
        result = runner.invoke(app, [*arguments, "--scheduler", cluster.scheduler_address])
        assert "0 done, 4 skipped" in result.stdout


def test_unreachable_scheduler_is_a_one_line_error(tmp_path):
    Image.fromarray(shapes_uint8(24)).save(tmp_path / "image.png")
    arguments = ["batch", str(tmp_path), "-o", str(tmp_path / "out"), "-q"]
    result = runner.invoke(app, [*arguments, "--scheduler", "tcp://127.0.0.1:9"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and len(result.stderr.strip().splitlines()) == 1
