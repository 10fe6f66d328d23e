"""An image made ready for the network: checked, in luminance, on its working grid.

The network runs on a line (a 1-D signal), a sheet (a 2-D image, grayscale or colour) or a
volume (3-D). An array of shape (M, N, 3|4) is a colour image; a volume of three or four planes
is passed with ``spatial_dims=3``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from ..parameters import Parameters
from .colour import cielab
from .grid import block_mean, to_grid, working_shape
from .intensity import to_grayscale

#: Longest image side, in units of the shorter, that is segmented as an image. The network is
#: a 2-D sheet whose coupling width is set by the shorter side: on a 1 x 5000 strip it would be
#: a fraction of a pixel along the strip, and the run would take minutes for nothing.
MAX_ASPECT = 64

#: Pixels of the largest photo grouped at its own size. A larger one is grouped (boundaries
#: refined, cue maps, merge tree) on its blocks of k x k pixels, the smallest k that brings it
#: under this many, and its labels are then brought to its size, their boundaries touched up
#: on its own pixels. At full size that work grows with the pixels (a 16 MP photo took 35 s
#: and 2.2 GB, most of it there) for boundaries that the network's grid of about 6,000 units
#: places, with cues fitted on 0.15 MP photos. On 10 BSDS500 val photos upscaled 4 times
#: (2.5 MP), grouping at 0.25, 0.5, 1 MP or full size scored alike (covering 0.497, 0.489,
#: 0.499, 0.493) in 2.2, 2.4, 3.2 and 7.2 s; a 16 MP photo's command takes 0.7 s of CPU less
#: at 0.5 than at 1 MP.
GROUPING_PIXELS = 500_000


@dataclass(frozen=True, eq=False)
class PreparedImage:
    """The image as the network and the grouping read it.

    Attributes
    ----------
    image : ndarray
        The image as given (native size, grayscale or colour; a signal; a volume).
    native_shape, grid_shape : tuple of int
        The image's own shape (without colour) and that of the working grid the network runs
        on; their length is the number of spatial dimensions.
    luminance : grid-shaped float64 ndarray
        Intensities on the working grid (colour reduced to luminance).
    lab : (grid rows, grid cols, 1|3) ndarray or None
        CIELAB on the working grid, where colour or merging need it (2-D images only).
    grouping_factor : int
        1, or for a photo of more than :data:`GROUPING_PIXELS` pixels the side of the blocks
        it is grouped on.
    reduced : float64 ndarray or None
        The image's block means (:func:`~wavesegment.preparation.grid.block_mean`), where
        ``grouping_factor`` is above 1.
    """

    image: np.ndarray
    native_shape: tuple[int, ...]
    grid_shape: tuple[int, ...]
    luminance: np.ndarray
    lab: np.ndarray | None
    grouping_factor: int = 1
    reduced: np.ndarray | None = field(default=None, repr=False)

    @property
    def spatial_dims(self) -> int:
        """1 for a signal, 2 for an image, 3 for a volume."""
        return len(self.native_shape)

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

    @property
    def grouping_shape(self) -> tuple[int, ...]:
        """The shape the grouping works at: the image's, or its blocks' (``reduced``)."""
        return self.native_shape if self.reduced is None else self.reduced.shape[:2]

    @cached_property
    def grouping_lab(self) -> np.ndarray:
        """CIELAB at :attr:`grouping_shape`."""
        return self.native_lab if self.reduced is None else cielab(self.reduced)


def prepare_image(
    image: np.ndarray, parameters: Parameters, *, spatial_dims: int | None = None
) -> PreparedImage:
    """Check ``image`` and bring it to the working grid that ``parameters`` ask for.

    ``spatial_dims`` (1, 2 or 3) says how many axes of ``image`` are spatial; by default a 1-D
    array is a signal, a 2-D array or an (M, N, 3|4) array an image, any other 3-D array a
    volume.

    Raises
    ------
    ValueError
        For an image of no pixels, of a shape that is neither a signal, a grayscale or RGB(A)
        image nor a volume, a 2-D image more than ``MAX_ASPECT`` times longer than wide,
        ``spacing`` of another length than the spatial axes, or NaN or infinite values.

    Examples
    --------
    >>> from wavesegment.parameters import PRESETS
    >>> prepared = prepare_image(np.zeros((321, 481)), PRESETS["natural"])
    >>> prepared.grid_shape
    (64, 96)
    """
    image = np.asarray(image)
    dims = _spatial_dims(image.shape, spatial_dims)
    grid = working_shape(image.shape[:dims], parameters.max_units)
    groups = parameters.refine_boundaries or bool(parameters.merge_threshold)
    factor = grouping_factor(image.shape[:dims], grid) if groups else 1
    # A large photo is read through its block means: no float copy of it at its own size.
    reduced = block_mean(image, factor) if factor > 1 else None
    source = image if reduced is None else reduced
    gray = to_grayscale(source) if dims == 2 else np.asarray(image, dtype=np.float64)
    if parameters.spacing is not None and len(parameters.spacing) != dims:
        raise ValueError(
            f"spacing {parameters.spacing} has {len(parameters.spacing)} values and the array "
            f"{dims} spatial axes: give one per axis"
        )
    if gray.size == 0:
        raise ValueError("the image is empty")
    bad = np.count_nonzero(~np.isfinite(gray))
    if bad:
        raise ValueError(
            f"the image has {bad} NaN or infinite values: replace them first (e.g. with "
            "numpy.nan_to_num), or read the file with wavesegment.io.images.read_image, "
            "which fills them with the mean"
        )
    native = image.shape[:dims]
    if dims == 2 and max(native) > MAX_ASPECT * min(native):
        raise ValueError(
            f"the image is {native[1]}x{native[0]} pixels, more than {MAX_ASPECT} times longer "
            "than wide: the network couples a 2-D sheet, and a strip this thin is a signal; "
            "segment it as one (a 1-D array), or crop or pad it to a less elongated image"
        )
    if grid != gray.shape:
        gray = to_grid(gray, grid)
    needs_lab = dims == 2 and (parameters.colour or bool(parameters.merge_threshold))
    lab = cielab(source, grid) if needs_lab else None
    return PreparedImage(image, native, grid, gray, lab, factor, reduced)


def grouping_factor(shape: tuple[int, ...], grid: tuple[int, ...]) -> int:
    """The side of the blocks a 2-D image of ``shape``, on a network ``grid``, is grouped on:
    1 up to :data:`GROUPING_PIXELS` pixels (or the grid's units, if more), else the smallest
    that brings it under.

    Examples
    --------
    >>> grouping_factor((321, 481), (64, 96)), grouping_factor((3265, 4898), (64, 96))
    (1, 6)
    """
    pixels, budget = int(np.prod(shape)), max(GROUPING_PIXELS, int(np.prod(grid)))
    if len(shape) != 2 or pixels <= budget:
        return 1
    return int(np.ceil(np.sqrt(pixels / budget)))


def _spatial_dims(shape: tuple[int, ...], given: int | None) -> int:
    """The number of spatial axes of an array of ``shape``, as given or as its shape says."""
    colour = len(shape) == 3 and shape[2] in (3, 4)
    if given is None:
        if len(shape) in (1, 2, 3):
            return 2 if colour else len(shape)
    elif given in (1, 2, 3) and (len(shape) == given or (given == 2 and colour)):
        return given
    raise ValueError(
        f"an array of shape {shape} with spatial_dims={given} is not a signal (1-D), a "
        "grayscale or (rows, cols, 3|4) colour image, or a volume (3-D): pass one of these"
    )
