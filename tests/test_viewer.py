"""The napari plugin: its logic without napari, and the widget in a headless viewer where napari
is installed (``pip install ".[napari]"``; skipped otherwise)."""

import importlib.resources
import os

import numpy as np
import pytest

from wavesegment.viewer.logic import (
    Cancelled,
    SegmentationJob,
    layer_data,
    layer_waves,
    wave_frames,
)


def _squares(shape=(24, 32)):
    image = -np.ones(shape)
    image[4:12, 4:12] = image[14:22, 16:30] = 1
    return image


def test_a_job_reports_its_stages_and_gives_the_labels_of_segment():
    from wavesegment import segment

    stages = []
    job = SegmentationJob(
        _squares(), {"preset": "published"}, on_progress=lambda s, f: stages.append((s, f))
    )
    result = job.run()
    assert [s for s, _ in stages] == ["layer 1", "layer 2, run 1 of 1", "readout"]
    assert [f for _, f in stages] == sorted(f for _, f in stages)
    np.testing.assert_array_equal(result.labels, segment(_squares(), preset="published").labels)


def test_a_cancelled_job_stops_at_its_next_stage():
    stages = []
    job = SegmentationJob(_squares(), {"preset": "natural"})
    job.on_progress = lambda stage, fraction: (stages.append(stage), job.cancel())
    with pytest.raises(Cancelled):
        job.run()
    assert stages == ["layer 1"]


def test_the_waves_are_phases_over_time_on_the_image():
    result = SegmentationJob(_squares((96, 128)), {"preset": "natural", "n_seeds": 1}).run(
        trace_every=40
    )
    phases, keywords = wave_frames(result)
    grid = result.network.shape
    assert phases.shape == (len(result.grid.trace[0]) + len(result.grid.trace[1]), *grid)
    assert np.nanmax(np.abs(phases)) <= np.pi and keywords["colormap"] == "twilight"
    assert keywords["scale"][1:] == pytest.approx(
        [n / g for n, g in zip((96, 128), grid, strict=True)]
    )
    with pytest.raises(ValueError, match="trace_every"):
        wave_frames(SegmentationJob(_squares(), {"preset": "published"}).run())


def test_layers_become_signals_images_or_volumes():
    assert layer_data(np.zeros((5, 6, 3)), rgb=True)[1] == 2
    assert layer_data(np.zeros((5, 6, 3)), rgb=False)[1] == 3
    assert layer_data(np.zeros(50), rgb=False)[1] == 1
    with pytest.raises(ValueError, match="4 dimensions"):
        layer_data(np.zeros((2, 3, 4, 5)), rgb=False)


def test_the_manifest_names_the_widget():
    text = (importlib.resources.files("wavesegment.viewer") / "napari.yaml").read_text()
    assert "wavesegment.viewer.widgets:SegmentWidget" in text


def test_the_waves_of_a_volume_layer_have_a_time_axis_before_its_three():
    volume = np.zeros((6, 10, 12))
    volume[1:4, 2:7, 3:9] = 1
    options = {"preset": "published", "coupling": "normalised"}
    phases, keywords = layer_waves(volume, rgb=False, name="cells", options=options)
    assert phases.ndim == 4 and phases.shape[1:] == volume.shape
    assert phases.shape[0] > 20  # every 4th step of layers 1 and 2
    assert keywords["name"] == "cells waves" and keywords["colormap"] == "twilight"
    assert len(keywords["scale"]) == len(keywords["translate"]) == 4
    assert np.nanmax(np.abs(phases)) <= np.pi and not np.isnan(phases[0]).any()


def test_the_manifest_contributes_the_waves_action_to_a_menu():
    npe2 = pytest.importorskip("npe2")
    path = importlib.resources.files("wavesegment.viewer") / "napari.yaml"
    manifest = npe2.PluginManifest.from_file(str(path))
    commands = {c.id: c.python_name for c in manifest.contributions.commands}
    assert commands["wavesegment.show_waves"] == "wavesegment.viewer.actions:show_waves"
    menu = manifest.contributions.menus["napari/layers/visualize"]
    assert [item.command for item in menu] == ["wavesegment.show_waves"]


def test_the_waves_action_adds_the_phases_of_the_selected_layer():
    pytest.importorskip("napari")
    pytest.importorskip("qtpy.QtWidgets", exc_type=ImportError)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from napari.components import ViewerModel
    from qtpy.QtWidgets import QApplication

    from wavesegment.viewer.actions import show_waves

    app = QApplication.instance() or QApplication([])  # kept: the worker needs it alive
    viewer = ViewerModel()
    viewer.add_labels(np.zeros((24, 32), dtype=int), name="labels")
    assert show_waves(viewer) is None  # a labels layer: nothing to run
    viewer.add_image(_squares(), name="squares")
    worker, done = show_waves(viewer), []
    worker.finished.connect(lambda: done.append(True))
    _wait_for(lambda: bool(done))
    waves = viewer.layers["squares waves"]
    assert waves.data.ndim == 3 and waves.data.shape[1:] == (24, 32)  # natural: native grid
    assert waves.colormap.name == "twilight" and app is not None


def test_the_widget_segments_the_selected_layer_in_a_headless_viewer():
    pytest.importorskip("napari")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from napari.components import ViewerModel  # the viewer without its OpenGL canvas

    from wavesegment.viewer.widgets import SegmentWidget

    viewer = ViewerModel()
    viewer.add_image(_squares(), name="squares")
    widget = SegmentWidget(viewer)
    widget.preset.value = "published"
    widget.split_necks.value = 1.5
    widget.start(waves=False)
    _wait(widget)
    assert viewer.layers["squares segments"].data.max() >= 2
    assert widget._job.options["split_necks"] == 1.5  # the field reaches segment()
    viewer.layers.selection.active = viewer.layers["squares"]
    widget.start(waves=True)
    _wait(widget)
    waves = viewer.layers["squares waves"]
    assert waves.data.ndim == 3 and waves.colormap.name == "twilight"
    assert widget.segment_button.enabled and "segments" in widget.status.value


def _wait(widget, seconds=120):
    """Run the Qt event loop until the widget's run has ended (Cancel is off again)."""
    _wait_for(lambda: not widget.cancel_button.enabled, seconds)


def _wait_for(ended, seconds=120):
    """Run the Qt event loop until ``ended()``."""
    import time

    from qtpy.QtWidgets import QApplication

    end = time.time() + seconds
    while not ended() and time.time() < end:
        QApplication.processEvents()
        time.sleep(0.02)
    QApplication.processEvents()
