"""The napari plugin: segment an image layer, and scrub through the waves of the run.

:mod:`~wavesegment.viewer.logic` holds what the widget does, without napari (tested headless);
:mod:`~wavesegment.viewer.widgets` puts it in napari (``pip install "wavesegment[napari]"``).
"""
