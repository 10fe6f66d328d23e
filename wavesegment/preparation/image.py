"""An image made ready for the network: checked, in luminance, on its working grid."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..parameters import Parameters
from .colour import cielab
from .grid import to_grid, working_shape
from .intensity import to_grayscale

#: Longest image side, in units of the shorter, that is segmented as an image. The network is
#: a 2-D sheet whose coupling width is set by the shorter side: on a 1 x 5000 strip it would be
#: a fraction of a pixel along the strip, and the run would take minutes for nothing.
MAX_ASPECT = 64


@dataclass(frozen=True, eq=False)
class PreparedImage:
    """The image as the network and the grouping read it.

    Attributes
    ----------
    image : ndarray
        The image as given (native size, grayscale or colour).
    native_shape, grid_shape : (int, int)
        The image's own shape and that of the working grid the network runs on.
    luminance : (grid rows, grid cols) float64 ndarray
        Intensities on the working grid (colour reduced to luminance).
    lab : (grid rows, grid cols, 1|3) ndarray or None
        CIELAB on the working grid, where colour or merging need it.
    """

    image: np.ndarray
    native_shape: tuple[int, int]
    grid_shape: tuple[int, int]
    luminance: np.ndarray
    lab: np.ndarray | None

    @property
    def on_grid(self) -> bool:
        """True when the network runs on a grid smaller than the image."""
        return self.grid_shape != self.native_shape

    @cached_property
    def native_lab(self) -> np.ndarray:
        """CIELAB at the image's own size (for refinement and merging)."""
        if self.lab is not None and not self.on_grid:
            return self.lab
        return cielab(self.image)


def prepare_image(image: np.ndarray, parameters: Parameters) -> PreparedImage:
    """Check ``image`` and bring it to the working grid that ``parameters`` ask for.

    Raises
    ------
    ValueError
        For an image of no pixels, of a shape that is neither grayscale nor RGB(A), more than
        ``MAX_ASPECT`` times longer than wide, or with NaN or infinite values.

    Examples
    --------
    >>> from wavesegment.parameters import PRESETS
    >>> prepared = prepare_image(np.zeros((321, 481)), PRESETS["natural"])
    >>> prepared.grid_shape
    (64, 96)
    """
    image = np.asarray(image)
    gray = to_grayscale(image)
    if gray.size == 0:
        raise ValueError("the image is empty")
    bad = np.count_nonzero(~np.isfinite(gray))
    if bad:
        raise ValueError(
            f"the image has {bad} NaN or infinite values: replace them first (e.g. with "
            "numpy.nan_to_num), or read the file with wavesegment.io.images.read_image, "
            "which fills them with the mean"
        )
    native = gray.shape
    if max(native) > MAX_ASPECT * min(native):
        raise ValueError(
            f"the image is {native[1]}x{native[0]} pixels, more than {MAX_ASPECT} times longer "
            "than wide: the network couples a 2-D sheet, and a strip this thin is a signal; "
            "crop it or pad it to a less elongated image"
        )
    grid = working_shape(native, parameters.max_units)
    if grid != native:
        gray = to_grid(gray, grid)
    needs_lab = parameters.colour or bool(parameters.merge_threshold)
    lab = cielab(image, grid) if needs_lab else None
    return PreparedImage(image, native, grid, gray, lab)
