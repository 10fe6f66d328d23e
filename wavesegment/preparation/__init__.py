"""Image preparation: intensities, colour channels and the working grid the network runs on."""

from .intensity import to_grayscale

__all__ = ["to_grayscale"]
