"""``segment``: image in, labels out, through the published two-layer network.

The data flow reads top to bottom: working grid -> frequencies and initial states -> layer 1
(wide coupling) -> background mask -> layer 2 (narrow coupling, foreground only, once per
initial state) -> phase readout of the pooled windows -> k-means -> connected regions -> labels
at full size. What each step does is set by a preset (:mod:`wavesegment.presets`).

Steps are numbered as in the published code: step 1 is x_0, step t <= ``layer1_steps`` is
``M1^(t-1) x_0``, and step t > ``layer1_steps`` is ``M2^(t - layer1_steps)`` applied to x_0 with
the background removed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from skimage.color import rgb2lab
from skimage.transform import downscale_local_mean, resize
from threadpoolctl import threadpool_limits

from .dynamics.engines import evolve, resolve_engine
from .grouping import regions
from .grouping.regions import merge_similar_regions, merge_small_regions, split_disconnected
from .network.coupling import GaussianCoupling
from .network.units import frequencies, random_initial_state
from .parameters import PRESETS, preset_parameters
from .preparation.intensity import to_grayscale
from .readout.clustering import cluster_units
from .readout.phases import PhaseReadout, phase_readout

_PRESET_KEYS = frozenset(PRESETS["published"])
# A colour channel whose standard deviation is below this many Lab units (a tenth of a just
# noticeable difference) is flat: a gray picture stored as RGB has a*, b* up to 0.005.
_FLAT_CHANNEL = 0.1


@dataclass(frozen=True)
class SegmentationResult:
    """What :func:`segment` returns.

    Attributes
    ----------
    labels : (rows, cols) int32 ndarray
        0 for background, 1..n_segments for the segments, largest first. With
        ``segment_background`` (preset "natural") the background regions are segments too and
        no pixel is 0.
    background : (rows, cols) bool ndarray
        The layer-1 background mask.
    n_segments : int
        Number of segments (label 0 not counted).
    parameters : dict
        Every parameter of the run, including the preset, the engine that ran, the seed and
        the working grid.
    omega : (grid rows, grid cols) ndarray
        The frequencies the network was driven with, on the working grid (the image's own
        shape unless ``max_units`` made it smaller), as are the phases below.
    mask_phases : (rows, cols) ndarray
        Layer-1 phases at the step where the background mask is taken.
    final_phases : (rows, cols) ndarray
        Layer-2 phases at the last readout step (NaN on the background).
    readout : PhaseReadout
        Eigenvalues, modes and projection of the phase similarity of the foreground units.
    timings : dict
        Seconds spent in each stage.
    trace : tuple of two (n_frames, grid rows, grid cols) complex64 ndarrays, optional
        Unit phasors of layer 1 and layer 2 (first initial state) every ``trace_every``
        steps, if asked for.
    """

    labels: np.ndarray
    background: np.ndarray
    n_segments: int
    parameters: dict
    omega: np.ndarray
    mask_phases: np.ndarray
    final_phases: np.ndarray
    readout: PhaseReadout = field(repr=False)
    timings: dict = field(default_factory=dict)
    trace: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False)


def background_mask(phases: np.ndarray) -> np.ndarray:
    """Split phases at their mean; the larger side is background (as published).

    Units exactly at the mean are foreground; when both sides are equal the side below the
    mean is background.
    """
    threshold = phases.mean()
    above, below = phases > threshold, phases < threshold
    return above if above.sum() > below.sum() else below


# One BLAS thread: see engines._evolve_stepping; the readout's products suffer the same way.
@threadpool_limits.wrap(limits=1, user_api="blas")
def segment(
    image: np.ndarray,
    *,
    preset: str = "natural",
    segments: int | None = None,
    seed: int = 0,
    engine: str = "auto",
    frequency_mode: str | None = None,
    initial_state: np.ndarray | None = None,
    layer1_alpha: float | None = None,
    layer1_sigma: float | None = None,
    layer1_steps: int | None = None,
    layer2_alpha: float | None = None,
    layer2_sigma: float | None = None,
    readout_steps: tuple[int, int] | None = None,
    n_modes: int | None = None,
    max_segments: int | None = None,
    cluster_separation: float | None = None,
    coupling: str | None = None,
    n_seeds: int | None = None,
    max_units: int | None = None,
    split_regions: bool | None = None,
    segment_background: bool | None = None,
    min_region: float | None = None,
    colour: bool | None = None,
    merge_threshold: float | None = None,
    merge_size_exponent: float | None = None,
    refine_boundaries: bool | None = None,
    trace_every: int = 0,
    noise: float = 0.0,
) -> SegmentationResult:
    """Segment an image with the two-layer complex-valued wave network.

    Every parameter left as None takes the value of ``preset``; a value given explicitly
    overrides it. ``"published"`` reproduces Liboni et al. exactly; ``"natural"`` (the default)
    adds what real images need (see :data:`PRESETS`).

    Parameters
    ----------
    image : (rows, cols) or (rows, cols, 3|4) array
        Grayscale or colour image; colour is reduced to luminance.
    preset : {"natural", "published"}
        The named parameter set that fills in every parameter left as None.
    segments : int, optional
        Number of phase clusters of the foreground. By default it is chosen from the
        separation of the clusters (see :func:`wavesegment.readout.cluster_units`).
    seed : int
        Seed of the random initial phases, as MATLAB's ``rng(seed)``; also seeds k-means.
        With ``n_seeds`` > 1 the runs use seeds ``seed, seed + 1, ...``.
    engine : {"auto", "numba", "exact"}
        ``"numba"`` steps the network at any size; ``"exact"`` uses the eigen-decomposition
        (up to 64 x 64); ``"auto"`` takes exact for tiny images and numba otherwise.
    frequency_mode : {"zscore", "raw"}
        How intensities become frequencies: z-scored or used unchanged, as the published
        inputs (already scaled) were.
    initial_state : (rows, cols) complex array, optional
        A given x_0, to reproduce a run of another implementation exactly; overrides ``seed``
        for the initial state of the first run.
    layer1_alpha, layer1_sigma : float
        Amplitude and width of the layer-1 coupling (published 0.5, 0.9).
    layer1_steps : int
        Step at which the background mask is taken (published 60).
    layer2_alpha, layer2_sigma : float
        Amplitude and width of the layer-2 coupling (published 0.5, 0.0313).
    readout_steps : (int, int)
        First and last step, inclusive, of the readout window (published 140..180).
    n_modes : int
        Eigenvectors of the phase similarity used as features (published 3).
    max_segments : int
        Upper bound of the automatic number of phase clusters.
    cluster_separation : float
        How far apart, in cluster radii, the automatic count requires clusters to be
        (published 2.5; see :func:`wavesegment.readout.cluster_units`).
    coupling : {"published", "normalised"}
        ``"published"``: sigma in units of each image axis, alpha unnormalised, so the balance
        of omega and K changes with the image size. ``"normalised"``: sigma in units of the
        image's smaller side (isotropic) and alpha divided by the largest row sum of the
        Gaussian, so that the same scene couples alike at any resolution.
    n_seeds : int
        Number of initial states whose readout windows are pooled into one phase similarity:
        a consensus that no longer hangs on one random draw (published 1).
    max_units : int, optional
        Larger images run on a grid resampled to about this many units, and the labels are
        brought back to full size (None: always at native resolution).
    split_regions : bool
        Split every phase cluster into its connected parts (the coupling is local, so parts
        that do not touch are not held together by the dynamics).
    segment_background : bool
        Segment the background too, into its connected parts, instead of one label 0.
    colour : bool
        Run layer 1 also on the a* and b* channels of a colour image; the two sides of each
        run split the segments further (published: luminance only).
    min_region : float
        Regions smaller than this fraction of the image are merged into the neighbour of
        closest mean frequencies (0: none).
    merge_threshold : float
        Adjacent regions are merged, cheapest first, while the cost of merging them (their
        CIELAB colour difference plus the colour edges along their border, in Delta E and
        weighted by their sizes) is below this (see
        :func:`wavesegment.grouping.merge_similar_regions`; 0: none).
    merge_size_exponent : float
        How much harder large regions merge than small ones.
    refine_boundaries : bool
        Move the boundaries of labels computed on a smaller working grid to where the
        colours of the full-resolution image put them
        (:func:`wavesegment.grouping.refine_boundaries`).
    trace_every : int
        If positive, keep the phasors of both layers every ``trace_every`` steps in
        ``result.trace`` (memory: 8 bytes per unit and kept step).
    noise : float
        Complex Gaussian noise added at each step of both layers, relative to the peak unit
        magnitude (see :func:`wavesegment.dynamics.evolve`), seeded by ``seed``. Needs the
        stepping engine; ``"auto"`` then picks it.

    Returns
    -------
    SegmentationResult

    Examples
    --------
    >>> from wavesegment import segment
    >>> image = -np.ones((32, 32))
    >>> image[4:12, 4:12] = image[18:28, 16:30] = 1
    >>> result = segment(image, frequency_mode="raw")  # the background is a segment too
    >>> result.labels.shape, result.n_segments
    ((32, 32), 3)
    """
    started = time.perf_counter()
    given = {name: value for name, value in locals().items() if name in _PRESET_KEYS}
    p = preset_parameters(preset, **given)
    gray = to_grayscale(image)
    if gray.size == 0:
        raise ValueError("the image is empty")
    first, last = p["readout_steps"]
    if not p["layer1_steps"] < first <= last:
        raise ValueError(
            f"readout_steps must satisfy layer1_steps < first <= last, got {p['readout_steps']}"
        )
    if segments is not None and segments < 1:
        raise ValueError(f"segments must be at least 1, got {segments}")
    if p["n_seeds"] < 1:
        raise ValueError(f"n_seeds must be at least 1, got {p['n_seeds']}")
    if initial_state is not None and np.shape(initial_state) != gray.shape:
        raise ValueError(
            f"initial_state has shape {np.shape(initial_state)}, the image {gray.shape}"
        )
    native_shape = gray.shape
    grid = _working_shape(native_shape, p["max_units"])
    if grid != native_shape:
        if initial_state is not None:
            raise ValueError("initial_state needs the image at native resolution: max_units=None")
        gray = _to_grid(gray, grid)
    chosen_engine = "numba" if noise and engine == "auto" else resolve_engine(engine, gray.size)
    omega = frequencies(gray, mode=p["frequency_mode"])
    initial_states = [random_initial_state(gray.shape, seed + run) for run in range(p["n_seeds"])]
    if initial_state is not None:
        initial_states[0] = np.asarray(initial_state, dtype=np.complex128)
    timings = {}

    layer1_coupling = _coupling(gray.shape, p["layer1_alpha"], p["layer1_sigma"], p["coupling"])

    def run_layer1(frequencies_of_channel, channel, every=0):
        return evolve(
            layer1_coupling,
            frequencies_of_channel,
            initial_states[0],
            n_steps=p["layer1_steps"] - 1,
            record_from=p["layer1_steps"],
            engine=chosen_engine,
            trace_every=every,
            noise=noise,
            noise_seed=[seed, 1, channel],
        )

    layer1 = run_layer1(omega, 0, trace_every)
    mask_phases = np.angle(layer1.final)
    background = background_mask(mask_phases)
    foreground = ~background
    # Layer 1 run on each colour-opponent channel splits the image once more (natural preset).
    merging = bool(p["merge_threshold"])
    refining = bool(p["refine_boundaries"]) and grid != native_shape
    lab = _cielab(image, grid) if p["colour"] or merging else None
    colour = _colour_channels(lab) if p["colour"] else []
    colour_sides = [
        background_mask(np.angle(run_layer1(channel, index).final))
        for index, channel in enumerate(colour, start=1)
    ]
    timings["layer1"] = time.perf_counter() - started

    layer2_coupling = _coupling(gray.shape, p["layer2_alpha"], p["layer2_sigma"], p["coupling"])
    windows, layer2_runs = [], []
    for run, x0 in enumerate(initial_states):
        layer2 = evolve(
            layer2_coupling,
            np.where(foreground, omega, 0.0),
            np.where(foreground, x0, 0.0),
            n_steps=last - p["layer1_steps"],
            record_from=first - p["layer1_steps"],
            foreground=foreground,
            engine=chosen_engine,
            trace_every=trace_every if run == 0 else 0,
            noise=noise,
            noise_seed=[seed, 2, run],
        )
        windows.append(layer2.phasors[:, foreground])
        layer2_runs.append(layer2)
    timings["layer2"] = time.perf_counter() - started - timings["layer1"]

    readout = phase_readout(np.concatenate(windows), n_modes=p["n_modes"])
    labels = np.zeros(gray.shape, dtype=np.int32)
    if foreground.any():
        labels[foreground] = 1 + cluster_units(
            readout.projection,
            n_segments=segments,
            max_segments=p["max_segments"],
            seed=seed,
            separation=p["cluster_separation"],
        )
    labels = _regularise(labels, background, colour_sides, np.stack([omega, *colour]), p)
    if grid != native_shape:
        labels = resize(labels, native_shape, order=0, preserve_range=True, anti_aliasing=False)
        labels = labels.astype(np.int32)
        background = resize(background, native_shape, order=0, anti_aliasing=False)
    if merging or refining:
        native_lab = lab if lab is not None and grid == native_shape else _cielab(image)
        cell = max(n / g for n, g in zip(native_shape, grid, strict=True))
    if refining:
        labels = regions.refine_boundaries(labels, native_lab, iterations=int(np.ceil(cell)) + 1)
    if merging:
        labels = merge_similar_regions(
            labels,
            features=np.moveaxis(native_lab, -1, 0),
            threshold=p["merge_threshold"],
            size_exponent=p["merge_size_exponent"],
            edges=regions.edge_strength(native_lab, scale=cell / 2),
        )
    timings["readout"] = time.perf_counter() - started - timings["layer1"] - timings["layer2"]
    timings["total"] = time.perf_counter() - started

    parameters = {
        "preset": preset,
        "segments": segments,
        "seed": seed,
        "engine": chosen_engine,
        "initial_state_given": initial_state is not None,
        **p,
        "readout_steps": list(p["readout_steps"]),
        "grid": list(grid),
        "trace_every": trace_every,
        "noise": noise,
    }
    return SegmentationResult(
        labels=labels,
        background=background,
        n_segments=int(labels.max()),
        parameters=parameters,
        omega=omega,
        mask_phases=mask_phases,
        final_phases=np.where(foreground, np.angle(layer2_runs[0].final), np.nan),
        readout=readout,
        timings=timings,
        trace=(layer1.trace, layer2_runs[0].trace) if trace_every else None,
    )


def _working_shape(shape: tuple[int, int], max_units: int | None) -> tuple[int, int]:
    """The grid the network runs on: ``shape``, or scaled down to about ``max_units`` units."""
    rows, cols = shape
    if max_units is None or rows * cols <= max_units:
        return shape
    scale = np.sqrt(max_units / (rows * cols))
    return max(1, round(rows * scale)), max(1, round(cols * scale))


def _to_grid(array: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """``array`` resampled to the working grid ``shape``, low-passed by a Gaussian of half a grid
    cell. The blur is a fixed fraction of the cell, so that a photo and its upscale (whose
    pixels are finer but whose grid is the same) come to the same grid image. Where a cell
    spans 16 pixels or more, blocks of an eighth of a cell are averaged first: the wide blur
    would otherwise cost seconds on a large photo, and a block that small changes it little."""
    block = max(1, int(min(n / g for n, g in zip(array.shape[:2], shape, strict=True)) // 8))
    if block > 1:
        rows, cols = (n - n % block for n in array.shape[:2])
        array = downscale_local_mean(array[:rows, :cols], (block, block) + (1,) * (array.ndim - 2))
    sigma = [0.5 * n / g for n, g in zip(array.shape[:2], shape, strict=True)]
    return resize(
        array, shape, anti_aliasing=True, anti_aliasing_sigma=sigma + [0] * (array.ndim - 2)
    )


def _coupling(shape: tuple[int, int], alpha: float, sigma: float, mode: str) -> GaussianCoupling:
    if mode == "published":
        return GaussianCoupling(shape, alpha=alpha, sigma=sigma)
    if mode != "normalised":
        raise ValueError(f"coupling must be 'published' or 'normalised', not {mode!r}")
    smaller = min(shape)
    per_axis = (sigma * smaller / shape[0], sigma * smaller / shape[1])
    return GaussianCoupling(shape, alpha=alpha, sigma=per_axis, normalise=True)


def _cielab(image: np.ndarray, shape: tuple[int, int] | None = None) -> np.ndarray:
    """The image in CIELAB (only L* for a grayscale image), resampled to ``shape`` if given.

    Intensities are first scaled to 0..1 (minimum to maximum), so any bit depth reads alike.
    """
    image = np.asarray(image, dtype=np.float64)
    rgb = image[..., :3] if image.ndim == 3 and image.shape[2] >= 3 else to_grayscale(image)
    if shape is not None and shape != rgb.shape[:2]:
        rgb = _to_grid(rgb, shape)
    low, high = float(rgb.min()), float(rgb.max())
    # float32 halves the time and memory of the conversion; CIELAB needs no more precision.
    rgb = ((rgb - low) / (high - low) if high > low else np.zeros_like(rgb)).astype(np.float32)
    if rgb.ndim == 2:
        return rgb2lab(np.repeat(rgb[..., None], 3, axis=2))[..., :1]
    return rgb2lab(rgb)


def _colour_channels(lab: np.ndarray) -> list[np.ndarray]:
    """Z-scored a* and b* of a colour image in CIELAB.

    None for a grayscale image, nor for a channel that is constant (a gray picture in RGB).
    """
    if lab.shape[2] == 1:
        return []
    return [frequencies(lab[..., c]) for c in (1, 2) if lab[..., c].std() > _FLAT_CHANNEL]


def _regularise(labels, background, colour_sides, features, p) -> np.ndarray:
    """Colour splits, connected parts and small-region merging (into the neighbour of closest
    mean frequencies), as the preset asks."""
    if not (p["split_regions"] or p["segment_background"] or p["min_region"] or colour_sides):
        return labels
    for side in colour_sides:  # label pairs (cluster, side); split_disconnected renumbers
        labels = labels * 2 + side
    ignore = None if p["segment_background"] else background
    if p["split_regions"] or p["segment_background"]:
        labels = split_disconnected(labels, ignore=ignore)
    if p["min_region"]:
        min_size = int(np.ceil(p["min_region"] * labels.size))
        labels = merge_small_regions(labels, min_size=min_size, ignore=ignore, features=features)
    return labels
