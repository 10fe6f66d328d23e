"""The napari widget: segment the selected image layer, or show the waves of its run.

The run happens on a worker thread (napari's ``thread_worker``), so the viewer never freezes;
the progress bar follows the stages of :func:`wavesegment.segment` and Cancel stops the run at
its next stage. What the buttons do is :mod:`wavesegment.viewer.logic`, tested without napari.
"""

from __future__ import annotations

import threading
import time

from magicgui.widgets import (
    CheckBox,
    ComboBox,
    Container,
    FloatSpinBox,
    Label,
    ProgressBar,
    PushButton,
    SpinBox,
)

from ..parameters import PRESETS
from .logic import WAVE_INTERVAL, Cancelled, SegmentationJob, layer_data, wave_frames


class SegmentWidget(Container):
    """Preset, segments, seed and neck depth (``split_necks``: touching objects cut apart);
    Segment adds a Labels layer, Waves an image layer of the phases with a time axis (cyclic
    colour map)."""

    def __init__(self, napari_viewer):
        self.viewer = napari_viewer
        self.preset = ComboBox(label="preset", choices=list(PRESETS), value="natural")
        self.segments = SpinBox(label="segments (0: auto)", min=0, max=64, value=0)
        self.seed = SpinBox(label="seed", min=0, max=2**31 - 1, value=0)
        self.split_necks = FloatSpinBox(
            label="split necks (0: off)", min=0.0, max=1000.0, step=0.5, value=0.0
        )
        self.ring = CheckBox(label="signal on a ring", value=False)
        self.segment_button = PushButton(text="Segment")
        self.waves_button = PushButton(text="Waves")
        self.cancel_button = PushButton(text="Cancel", enabled=False)
        self.bar = ProgressBar(min=0, max=100, value=0)
        self.status = Label(value="")
        super().__init__(
            widgets=[
                self.preset,
                self.segments,
                self.seed,
                self.split_necks,
                self.ring,
                self.segment_button,
                self.waves_button,
                self.cancel_button,
                self.bar,
                self.status,
            ]
        )
        self.segment_button.changed.connect(lambda: self.start(waves=False))
        self.waves_button.changed.connect(lambda: self.start(waves=True))
        self.cancel_button.changed.connect(self.cancel)
        self._job = self._worker = None

    def _selected_image(self):
        from napari.layers import Image

        layer = self.viewer.layers.selection.active
        if not isinstance(layer, Image):
            raise ValueError("select an image layer first")
        return layer

    def start(self, *, waves: bool) -> None:
        from napari.qt.threading import thread_worker

        try:
            layer = self._selected_image()
            data, dims = layer_data(layer.data, rgb=layer.rgb)
        except ValueError as error:
            self.status.value = str(error)
            return
        options = {"preset": self.preset.value, "seed": self.seed.value, "spatial_dims": dims}
        options["segments"] = self.segments.value or None
        options["split_necks"] = self.split_necks.value
        if dims == 1 and self.ring.value:
            options["periodic"] = True
        progress = {"stage": "starting", "fraction": 0.0}
        self._job = SegmentationJob(
            data, options, on_progress=lambda s, f: progress.update(stage=s, fraction=f)
        )
        worker = thread_worker(_follow)(self._job, progress, WAVE_INTERVAL if waves else 0)
        worker.yielded.connect(self._show_progress)
        worker.returned.connect(lambda result: self._add_layer(layer, result, waves))
        worker.errored.connect(self._failed)
        worker.finished.connect(self._idle)
        self._busy()
        self._worker = worker
        worker.start()

    def cancel(self) -> None:
        if self._job is not None:
            self._job.cancel()
            self.status.value = "cancelling..."

    def _show_progress(self, update) -> None:
        stage, fraction = update
        self.bar.value = int(100 * fraction)
        self.status.value = stage

    def _add_layer(self, layer, result, waves: bool) -> None:
        if waves:
            phases, keywords = wave_frames(result)
            keywords["name"] = f"{layer.name} waves"
            self.viewer.add_image(phases, **keywords)
        else:
            self.viewer.add_labels(result.labels, name=f"{layer.name} segments")
        self.status.value = f"{result.n_segments} segments, {result.timings['total']:.1f} s"
        self.bar.value = 100

    def _failed(self, error) -> None:
        self.status.value = "cancelled" if isinstance(error, Cancelled) else f"error: {error}"

    def _busy(self) -> None:
        self.segment_button.enabled = self.waves_button.enabled = False
        self.cancel_button.enabled = True

    def _idle(self) -> None:
        self.segment_button.enabled = self.waves_button.enabled = True
        self.cancel_button.enabled = False


def _follow(job: SegmentationJob, progress: dict, trace_every: int):
    """Run ``job`` on its own thread and yield its progress until it ends (a generator, so
    that napari's worker can pass the progress to the viewer's thread)."""
    outcome = {}

    def target():
        try:
            outcome["result"] = job.run(trace_every=trace_every)
        except BaseException as error:  # handed to the worker, which reports it
            outcome["error"] = error

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    while thread.is_alive():
        yield progress["stage"], progress["fraction"]
        time.sleep(0.1)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]
