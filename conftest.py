"""Doctest collection: the napari widgets import napari's GUI stack, an optional extra."""

import importlib.util

collect_ignore = [] if importlib.util.find_spec("napari") else ["wavesegment/viewer/widgets.py"]
