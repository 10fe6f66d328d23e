"""The napari action *Waves* (Layers > Visualize, and the command palette): run the network on
the selected image layer and add its phase trajectory as an image layer with a time axis and a
cyclic colour map, to scrub through the waves. What it computes is
:func:`wavesegment.viewer.logic.layer_waves`, tested without napari.
"""

from __future__ import annotations

import napari.viewer
from napari.layers import Image
from napari.qt.threading import thread_worker
from napari.utils.notifications import show_info

from .logic import layer_waves


def show_waves(viewer: napari.viewer.Viewer):
    """Segment the selected image layer (natural preset) on a worker thread, keeping the waves,
    and add them as the layer ``"<name> waves"``; returns the started worker (None, with a
    notice, when no image layer is selected)."""
    layer = viewer.layers.selection.active
    if not isinstance(layer, Image):
        show_info("wavesegment: select an image layer first")
        return None
    data, rgb, name = layer.data, layer.rgb, layer.name
    worker = thread_worker(layer_waves)(data, rgb=rgb, name=name)
    worker.returned.connect(lambda waves: viewer.add_image(waves[0], **waves[1]))
    worker.errored.connect(lambda error: show_info(f"wavesegment: {error}"))
    worker.start()
    return worker
