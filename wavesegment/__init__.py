"""wavesegment: image segmentation with traveling waves in a complex-valued recurrent network.

The heavy modules load on first use, so that ``import wavesegment`` and the CLI start fast.
"""

from importlib import import_module

__version__ = "0.1.0"
__all__ = ["segment", "SegmentationResult", "__version__"]

_LAZY = {"segment": "segmentation", "SegmentationResult": "segmentation"}


def __getattr__(name):
    if name in _LAZY:
        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
