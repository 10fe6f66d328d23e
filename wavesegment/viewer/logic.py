"""What the napari widget and the waves action do, without napari: run a segmentation that
reports its progress and can be cancelled, and turn a run's waves into an image layer with a
time axis.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

#: The cyclic colour map of the phases (napari's name for matplotlib's ``twilight``).
PHASE_COLORMAP = "twilight"
#: Steps between the kept frames of the waves: a few hundred frames over the natural run.
WAVE_INTERVAL = 4


class Cancelled(Exception):
    """The user cancelled the run."""


@dataclass
class SegmentationJob:
    """One segmentation of a layer's data, run off the viewer's thread.

    ``options`` go to :func:`wavesegment.segment`; ``on_progress(stage, fraction)`` is told
    before each stage. :meth:`cancel` (from any thread) stops the run at its next stage, where
    :meth:`run` raises :class:`Cancelled`.

    Examples
    --------
    >>> image = -np.ones((24, 24))
    >>> image[4:12, 4:12] = 1
    >>> stages = []
    >>> job = SegmentationJob(image, {"preset": "published"},
    ...                       on_progress=lambda stage, fraction: stages.append(stage))
    >>> job.run().labels.shape, stages[0]
    ((24, 24), 'layer 1')
    """

    data: np.ndarray
    options: dict = field(default_factory=dict)
    on_progress: Callable[[str, float], None] | None = None
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)

    def cancel(self) -> None:
        self._stop.set()

    def run(self, *, trace_every: int = 0):
        from ..segmentation import segment

        def progress(stage: str, fraction: float) -> None:
            if self._stop.is_set():
                raise Cancelled(stage)
            if self.on_progress is not None:
                self.on_progress(stage, fraction)

        return segment(self.data, progress=progress, trace_every=trace_every, **self.options)


def layer_data(data: np.ndarray, *, rgb: bool) -> tuple[np.ndarray, int]:
    """A napari image layer's data as :func:`wavesegment.segment` takes it, and its spatial
    dimensions: RGB(A) layers are colour images; other 3-D layers are volumes."""
    data = np.asarray(data)
    if rgb:
        return data, 2
    if data.ndim not in (1, 2, 3):
        raise ValueError(
            f"the layer has {data.ndim} dimensions: select a signal, an image or a volume"
        )
    return data, data.ndim


def wave_frames(result) -> tuple[np.ndarray, dict]:
    """The phases of both layers over time, for an image layer with a time axis, and the
    keywords of that layer (scale and translation onto the image, the cyclic colour map).

    Frames are layer 1, then layer 2 (NaN off its foreground); needs a run with
    ``trace_every`` > 0.
    """
    if result.grid.trace is None:
        raise ValueError("the run kept no waves: segment with trace_every > 0")
    phasors = np.concatenate(result.grid.trace)
    phases = np.where(phasors != 0, np.angle(phasors), np.nan).astype(np.float32)
    native, grid = result.labels.shape, result.network.shape
    cell = [n / g for n, g in zip(native, grid, strict=True)]
    keywords = {
        "name": "waves",
        "colormap": PHASE_COLORMAP,
        "contrast_limits": (-np.pi, np.pi),
        "scale": (1.0, *cell),
        # Unit centres of the grid onto the pixel centres of the image.
        "translate": (0.0, *[(c - 1) / 2 for c in cell]),
    }
    return phases, keywords


def layer_waves(
    data: np.ndarray,
    *,
    rgb: bool,
    name: str,
    options: dict | None = None,
    trace_every: int = WAVE_INTERVAL,
    on_progress: Callable[[str, float], None] | None = None,
) -> tuple[np.ndarray, dict]:
    """The waves of an image layer's data (its spatial dimensions read from the layer, the
    ``options`` of :func:`wavesegment.segment` on top): what :func:`wave_frames` gives, the
    layer named ``"<name> waves"``.

    Examples
    --------
    >>> signal = np.repeat([0.0, 1.0, 0.0], 40)
    >>> phases, keywords = layer_waves(signal, rgb=False, name="trace",
    ...                                options={"preset": "published"}, trace_every=20)
    >>> phases.shape, keywords["name"], keywords["colormap"]
    ((10, 120), 'trace waves', 'twilight')
    """
    array, dims = layer_data(data, rgb=rgb)
    job = SegmentationJob(array, {"spatial_dims": dims, **(options or {})}, on_progress)
    phases, keywords = wave_frames(job.run(trace_every=trace_every))
    keywords["name"] = f"{name} waves"
    return phases, keywords
