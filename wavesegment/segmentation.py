"""``segment``: image in, labels out, through the published two-layer network.

The data flow reads top to bottom: frequencies and initial state -> layer 1 (wide coupling)
-> background mask -> layer 2 (narrow coupling, foreground only) -> phase readout -> k-means.

Steps are numbered as in the published code: step 1 is x_0, step t <= ``layer1_steps`` is
``M1^(t-1) x_0``, and step t > ``layer1_steps`` is ``M2^(t - layer1_steps)`` applied to x_0 with
the background removed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from threadpoolctl import threadpool_limits

from .clustering import cluster_units
from .engines import evolve, resolve_engine
from .network import GaussianCoupling, frequencies, random_initial_state, to_grayscale
from .readout import PhaseReadout, phase_readout


@dataclass(frozen=True)
class SegmentationResult:
    """What :func:`segment` returns.

    Attributes
    ----------
    labels : (rows, cols) int32 ndarray
        0 for background, 1..n_segments for the objects, largest object first.
    background : (rows, cols) bool ndarray
        The layer-1 background mask.
    n_segments : int
        Number of object segments (background not counted).
    parameters : dict
        Every parameter of the run, including the engine that ran and the seed.
    omega : (rows, cols) ndarray
        The frequencies the network was driven with.
    mask_phases : (rows, cols) ndarray
        Layer-1 phases at the step where the background mask is taken.
    final_phases : (rows, cols) ndarray
        Layer-2 phases at the last readout step (NaN on the background).
    readout : PhaseReadout
        Eigenvalues, modes and projection of the phase similarity of the foreground units.
    timings : dict
        Seconds spent in each stage.
    trace : tuple of two (n_frames, rows, cols) complex64 ndarrays, optional
        Unit phasors of layer 1 and layer 2 every ``trace_every`` steps, if asked for.
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
    segments: int | None = None,
    seed: int = 0,
    engine: str = "auto",
    frequency_mode: str = "zscore",
    initial_state: np.ndarray | None = None,
    layer1_alpha: float = 0.5,
    layer1_sigma: float = 0.9,
    layer1_steps: int = 60,
    layer2_alpha: float = 0.5,
    layer2_sigma: float = 0.0313,
    readout_steps: tuple[int, int] = (140, 180),
    n_modes: int = 3,
    max_segments: int = 8,
    trace_every: int = 0,
    noise: float = 0.0,
) -> SegmentationResult:
    """Segment an image with the two-layer complex-valued wave network.

    Parameters
    ----------
    image : (rows, cols) or (rows, cols, 3|4) array
        Grayscale or colour image; colour is reduced to luminance.
    segments : int, optional
        Number of object segments. By default it is chosen from the largest eigengap of the
        phase similarity (see :func:`wavesegment.clustering.count_segments`).
    seed : int
        Seed of the random initial phases, as MATLAB's ``rng(seed)``; also seeds k-means.
    engine : {"auto", "numba", "exact"}
        ``"numba"`` steps the network at any size; ``"exact"`` uses the eigen-decomposition
        (up to 64 x 64); ``"auto"`` takes exact for tiny images and numba otherwise.
    frequency_mode : {"zscore", "raw"}
        How intensities become frequencies: z-scored (default) or used unchanged, as the
        published inputs (already scaled) were.
    initial_state : (rows, cols) complex array, optional
        A given x_0, to reproduce a run of another implementation exactly; overrides ``seed``
        for the initial state.
    layer1_alpha, layer1_sigma : float
        Amplitude and width (normalised units) of the layer-1 coupling (published 0.5, 0.9).
    layer1_steps : int
        Step at which the background mask is taken (published 60).
    layer2_alpha, layer2_sigma : float
        Amplitude and width of the layer-2 coupling (published 0.5, 0.0313).
    readout_steps : (int, int)
        First and last step, inclusive, of the readout window (published 140..180).
    n_modes : int
        Eigenvectors of the phase similarity used as features (published 3).
    max_segments : int
        Upper bound of the automatic segment count.
    trace_every : int
        If positive, keep the phasors of both layers every ``trace_every`` steps in
        ``result.trace`` (memory: 8 bytes per pixel and kept step).
    noise : float
        Complex Gaussian noise added at each step of both layers, relative to the peak unit
        magnitude (see :func:`wavesegment.engines.evolve`), seeded by ``seed``. Needs the
        stepping engine; ``"auto"`` then picks it.

    Returns
    -------
    SegmentationResult

    Examples
    --------
    >>> from wavesegment import segment
    >>> image = -np.ones((32, 32))
    >>> image[4:12, 4:12] = image[18:28, 16:30] = 1
    >>> result = segment(image, segments=2, frequency_mode="raw")
    >>> result.labels.shape, result.n_segments
    ((32, 32), 2)
    """
    started = time.perf_counter()
    gray = to_grayscale(image)
    if gray.size == 0:
        raise ValueError("the image is empty")
    first, last = readout_steps
    if not layer1_steps < first <= last:
        raise ValueError(
            f"readout_steps must satisfy layer1_steps < first <= last, got {readout_steps}"
        )
    if segments is not None and segments < 1:
        raise ValueError(f"segments must be at least 1, got {segments}")
    chosen_engine = "numba" if noise and engine == "auto" else resolve_engine(engine, gray.size)
    omega = frequencies(gray, mode=frequency_mode)
    if initial_state is None:
        x0 = random_initial_state(gray.shape, seed)
    else:
        x0 = np.asarray(initial_state, dtype=np.complex128)
        if x0.shape != gray.shape:
            raise ValueError(f"initial_state has shape {x0.shape}, the image {gray.shape}")
    timings = {}

    layer1 = evolve(
        GaussianCoupling(gray.shape, alpha=layer1_alpha, sigma=layer1_sigma),
        omega,
        x0,
        n_steps=layer1_steps - 1,
        record_from=layer1_steps,
        engine=chosen_engine,
        trace_every=trace_every,
        noise=noise,
        noise_seed=[seed, 1],
    )
    mask_phases = np.angle(layer1.final)
    background = background_mask(mask_phases)
    foreground = ~background
    timings["layer1"] = time.perf_counter() - started

    layer2 = evolve(
        GaussianCoupling(gray.shape, alpha=layer2_alpha, sigma=layer2_sigma),
        np.where(foreground, omega, 0.0),
        np.where(foreground, x0, 0.0),
        n_steps=last - layer1_steps,
        record_from=first - layer1_steps,
        foreground=foreground,
        engine=chosen_engine,
        trace_every=trace_every,
        noise=noise,
        noise_seed=[seed, 2],
    )
    timings["layer2"] = time.perf_counter() - started - timings["layer1"]

    readout = phase_readout(layer2.phasors[:, foreground], n_modes=n_modes)
    labels = np.zeros(gray.shape, dtype=np.int32)
    if foreground.any():
        labels[foreground] = 1 + cluster_units(
            readout.projection, n_segments=segments, max_segments=max_segments, seed=seed
        )
    timings["readout"] = time.perf_counter() - started - timings["layer1"] - timings["layer2"]
    timings["total"] = time.perf_counter() - started

    parameters = {
        "segments": segments,
        "seed": seed,
        "engine": chosen_engine,
        "frequency_mode": frequency_mode,
        "initial_state_given": initial_state is not None,
        "layer1_alpha": layer1_alpha,
        "layer1_sigma": layer1_sigma,
        "layer1_steps": layer1_steps,
        "layer2_alpha": layer2_alpha,
        "layer2_sigma": layer2_sigma,
        "readout_steps": list(readout_steps),
        "n_modes": n_modes,
        "max_segments": max_segments,
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
        final_phases=np.where(foreground, np.angle(layer2.final), np.nan),
        readout=readout,
        timings=timings,
        trace=(layer1.trace, layer2.trace) if trace_every else None,
    )
