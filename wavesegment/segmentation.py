"""``segment``: image in, labels out, through the two-layer wave network.

The data flow reads top to bottom, one package per step: the parameters
(:mod:`wavesegment.parameters`) -> the image on its working grid (:mod:`~wavesegment.preparation`)
-> the network built once (:mod:`~wavesegment.network`) -> layer 1 on each channel, whose phases
split off the background, and layer 2 on the foreground once per initial state
(:mod:`~wavesegment.dynamics`) -> the phase readout of the pooled windows and its clusters
(:mod:`~wavesegment.readout`) -> candidate regions, small ones absorbed, labels at full size,
boundaries refined, similar regions merged (:mod:`~wavesegment.grouping`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from .dynamics import Evolution, run_layer1, run_layer2
from .dynamics.engines import one_blas_thread
from .grouping import MergeTree
from .grouping.pipeline import candidate_regions, finish_at_native_size
from .network import Network
from .parameters import Parameters
from .preparation.image import PreparedImage, prepare_image
from .readout import PhaseReadout, background_mask, cluster_units, phase_readout
from .readout.spectral import spectral_readout, spectral_window


@dataclass(frozen=True, eq=False)
class GridRun:
    """What the network did, on its working grid (``network.shape``).

    Attributes
    ----------
    background : (grid rows, grid cols) bool ndarray
        The layer-1 background mask (luminance channel).
    layer1_phases : mapping of str to (grid rows, grid cols) ndarray
        Layer-1 phases at the step where the mask is taken, per channel (luminance first).
    sides : mapping of str to bool ndarray
        Of each colour channel's layer-1 run (a*, b*), the side its phases put in the background.
    final_phases : (grid rows, grid cols) ndarray
        Layer-2 phases of the first initial state at the last readout step (NaN off the
        foreground).
    readout : PhaseReadout
        Eigenvalues, modes and projection of the pooled phase similarity of the foreground
        (with ``readout="spectral"``: of the principal components of the units' spectra).
    clusters : (grid rows, grid cols) int32 ndarray
        The phase clusters: 0 for background, 1..k largest first.
    labels : (grid rows, grid cols) int32 ndarray
        The regions the network's answers make (clusters cut by the colour sides, connected
        parts, small ones absorbed), before they are brought to full size.
    trace : tuple of two (n_frames, grid rows, grid cols) complex64 ndarrays, optional
        Unit phasors of layer 1 and layer 2 (first initial state) every ``trace_every`` steps,
        if asked for.
    """

    background: np.ndarray
    layer1_phases: Mapping[str, np.ndarray]
    sides: Mapping[str, np.ndarray]
    final_phases: np.ndarray
    readout: PhaseReadout = field(repr=False)
    clusters: np.ndarray = field(repr=False)
    labels: np.ndarray = field(repr=False)
    trace: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False)

    @property
    def mask_phases(self) -> np.ndarray:
        """Layer-1 phases of the luminance channel at the mask step."""
        return next(iter(self.layer1_phases.values()))


@dataclass(frozen=True, eq=False)
class SegmentationResult:
    """What :func:`segment` returns: labels at the image's size, and the run that made them.

    Attributes
    ----------
    labels : (rows, cols) int32 ndarray
        At the image's own size: 0 for background, 1..n_segments for the segments, largest
        first. With ``segment_background`` (preset "natural") the background regions are
        segments too and no pixel is 0.
    background : (rows, cols) bool ndarray
        The layer-1 background mask at the image's own size.
    n_segments : int
        Number of segments (label 0 not counted).
    parameters : dict
        Every parameter of the run (JSON-ready), with the engine that ran, the seed and the
        working grid.
    network : Network
        The network that ran: couplings, frequencies per channel, initial states.
    grid : GridRun
        What the network did, on its working grid.
    steps : tuple of dict
        What each step after the network did, in order, JSON-ready. Each entry's ``"stage"``
        says which: ``"candidates"`` (the connected parts each cluster-and-sides combination
        made), ``"absorb"`` (small regions merged into a neighbour), ``"upsample"``,
        ``"refine"`` (pixels moved), ``"merge"`` (similar regions merged, with the cost) and
        ``"split"`` (segments cut at their necks, with ``split_necks``);
        ``"step"`` and the other fields are those that the functions of
        :mod:`wavesegment.grouping` log.
    timings : dict
        Seconds spent in each stage.
    tree : MergeTree or None
        The merge tree of the regions at the image's size (presets with ``merge_threshold``
        above 0), in any dimension, of which ``labels`` is a cut (before ``split_necks`` cuts
        segments further); see :mod:`wavesegment.grouping.tree`.
    """

    labels: np.ndarray
    background: np.ndarray
    n_segments: int
    parameters: dict
    network: Network = field(repr=False)
    grid: GridRun = field(repr=False)
    steps: tuple[dict, ...] = field(default=(), repr=False)
    timings: dict = field(default_factory=dict)
    tree: MergeTree | None = field(default=None, repr=False)


def segment(
    image: np.ndarray,
    *,
    preset: str = "natural",
    segments: int | None = None,
    seed: int | None = None,
    engine: str | None = None,
    parameters: Parameters | None = None,
    initial_state: np.ndarray | None = None,
    trace_every: int = 0,
    spatial_dims: int | None = None,
    progress: Callable[[str, float], None] | None = None,
    **overrides,
) -> SegmentationResult:
    """Segment an image with the two-layer complex-valued wave network.

    Prepare the image, build the network, run layer 1, run layer 2, read out the phases,
    cluster and group them, and bring the labels to the image's size. ``"published"``
    reproduces Liboni et al. exactly; ``"natural"`` (the default) adds what real images need
    (see :data:`wavesegment.parameters.PRESETS`).

    Parameters
    ----------
    image : (rows, cols) or (rows, cols, 3|4) array, or (samples,) or (planes, rows, cols)
        Grayscale or colour image, 1-D signal or volume, finite values; luminance drives the
        frequencies. A signal runs on a line (a ring with ``periodic=True``) of oscillators, a
        volume on a 3-D lattice; the colour sides and boundary refinement are steps of 2-D
        images and are skipped there (``result.parameters["skipped"]``), and similar regions
        are merged by intensity alone.
    preset : {"natural", "published"}
        The named parameter set that fills in every parameter not given.
    segments : int, optional
        With a merge tree (``merge_threshold`` above 0, preset "natural"; images, signals and
        volumes alike): the number of segments, the tree cut where that many regions are left
        (all of its leaves if it has fewer) instead of under ``merge_threshold``. Without
        (preset "published"): the number of phase clusters of the foreground. By default the
        clusters' number is chosen from their separation (see
        :func:`wavesegment.readout.cluster_units`).
    seed : int, optional
        Seed of the random initial phases, as MATLAB's ``rng(seed)`` (default 0); also seeds
        k-means. With ``n_seeds`` > 1 the runs use seeds ``seed, seed + 1, ...``.
    engine : {"auto", "numba", "exact"}, optional
        ``"numba"`` steps the network at any size; ``"exact"`` uses the eigen-decomposition
        (up to 64 x 64); ``"auto"`` (default) takes exact for tiny grids and numba otherwise.
    parameters : Parameters, optional
        A whole parameter set to run instead of ``preset`` (for example one read back from a
        sidecar); the keywords above and ``overrides`` still apply on top.
    initial_state : (rows, cols) complex array, optional
        A given x_0, to reproduce a run of another implementation exactly; replaces the first
        seed's initial state. Needs the image at native resolution (``max_units=None``).
    trace_every : int
        If positive, keep the phasors of both layers every ``trace_every`` steps in
        ``result.grid.trace`` (memory: 8 bytes per unit and kept step).
    spatial_dims : {1, 2, 3}, optional
        Spatial axes of ``image``. By default a 1-D array is a signal, a 2-D or (M, N, 3|4)
        array an image and any other 3-D array a volume: a volume of 3 or 4 planes needs
        ``spatial_dims=3``. ``spacing=(dz, dy, dx)`` (a parameter) gives the physical size of a
        sample per axis, so that the normalised coupling is isotropic in physical units.
    progress : callable, optional
        Called as ``progress(stage, fraction_done)`` before each stage (and each run of layer
        2); an exception raised by it stops the run there (a viewer's cancel button).
    **overrides
        Any other field of :class:`wavesegment.parameters.Parameters` (``layer1_alpha``,
        ``layer2_sigma``, ``readout_steps``, ``n_seeds``, ``coupling``, ``noise``,
        ``merge_threshold``, ...), each validated; None keeps the preset's value.

    Returns
    -------
    SegmentationResult

    Raises
    ------
    ValueError
        For a bad parameter value (naming it, its value and what is allowed), or an image that
        is empty, of an unsupported shape or with non-finite values.
    TypeError
        For a keyword that is not a parameter.

    Examples
    --------
    >>> from wavesegment import segment
    >>> image = -np.ones((32, 32))
    >>> image[4:12, 4:12] = image[18:28, 16:30] = 1
    >>> result = segment(image, frequency_mode="raw")  # the background is a segment too
    >>> result.labels.shape, result.n_segments
    ((32, 32), 3)
    >>> signal = np.repeat([0.0, 1.0, 0.0, 2.0], 100)  # a signal: a line of oscillators
    >>> segment(signal, preset="published", coupling="normalised").labels.shape
    (400,)
    """
    started = time.perf_counter()
    base = parameters if parameters is not None else Parameters.from_preset(preset)
    p = base.replace(segments=segments, seed=seed, engine=engine, **overrides)
    if trace_every < 0:
        raise ValueError(f"trace_every must be 0 or positive, not {trace_every}")
    timings = _Stopwatch(started)
    report = progress or (lambda stage, fraction: None)
    with one_blas_thread():
        prepared = prepare_image(image, p, spatial_dims=spatial_dims)
        p = p.for_input(prepared.spatial_dims)  # a volume's own readout window
        network = Network.build(prepared, p, initial_state=initial_state)
        report("layer 1", 0.0)
        layer1 = _run_layer1(network, trace_every)
        background = layer1.background
        timings.lap("layer1")
        layer2 = []
        for run in range(p.n_seeds):
            report(f"layer 2, run {run + 1} of {p.n_seeds}", 0.2 + 0.7 * run / p.n_seeds)
            layer2.append(_layer2(network, ~background, run, trace_every))
        timings.lap("layer2")
        report("readout", 0.9)
        steps: list[dict] = []
        grid = _read_out(network, layer1, layer2, trace_every, steps)
        labels, native_background, tree = finish_at_native_size(
            prepared, grid.labels, grid.background, p, steps
        )
        timings.lap("readout")
    return SegmentationResult(
        labels=labels,
        background=native_background,
        n_segments=int(labels.max()),
        parameters=_record(network, prepared, initial_state is not None, trace_every),
        network=network,
        grid=grid,
        steps=tuple(steps),
        timings=timings.total(),
        tree=tree,
    )


class _Stopwatch:
    """Seconds per stage, from a start; ``total`` adds the whole."""

    def __init__(self, started: float):
        self.started = self.last = started
        self.seconds: dict[str, float] = {}

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.seconds[stage], self.last = now - self.last, now

    def total(self) -> dict[str, float]:
        return {**self.seconds, "total": time.perf_counter() - self.started}


class _Layer1(NamedTuple):
    """Layer 1's answers: the luminance run (traced), every channel's phases at the mask step,
    the background they give, and each colour channel's background side."""

    run: Evolution
    phases: dict[str, np.ndarray]
    background: np.ndarray
    sides: dict[str, np.ndarray]


def _run_layer1(network: Network, trace_every: int) -> _Layer1:
    """Layer 1 on luminance (the mask) and on each colour channel (its side)."""
    luminance, *colour = network.channels
    layer1 = run_layer1(network, luminance, trace_every=trace_every)
    phases = {luminance: np.angle(layer1.final)}
    phases.update({name: np.angle(run_layer1(network, name).final) for name in colour})
    sides = {name: background_mask(phases[name]) for name in colour}
    return _Layer1(layer1, phases, background_mask(phases[luminance]), sides)


def _layer2(network: Network, foreground: np.ndarray, run: int, trace_every: int) -> Evolution:
    # Only the first initial state's run is traced: the movie shows one run.
    p = network.parameters
    spectral = p.readout == "spectral"
    return run_layer2(
        network,
        foreground,
        run,
        trace_every=trace_every if run == 0 else 0,
        window=spectral_window(p.layer1_steps, p.readout_steps) if spectral else None,
        record_states=spectral,
    )


def _read_out(network, layer1: _Layer1, layer2, trace_every, steps) -> GridRun:
    """Pooled readout of the foreground (phases, or spectra with ``readout="spectral"``), its
    clusters, and the regions they make."""
    p = network.parameters
    background, sides = layer1.background, layer1.sides
    foreground = ~background
    if p.readout == "spectral":
        states = np.stack([run.states[:, foreground] for run in layer2])
        readout = spectral_readout(states, n_modes=p.n_modes)
    else:
        units = np.flatnonzero(foreground)  # read in blocks: no copy of the whole window
        readout = phase_readout([run.phasors for run in layer2], n_modes=p.n_modes, units=units)
    clusters = np.zeros(network.shape, dtype=np.int32)
    # Every unit of one frequency and no background (a constant image): nothing for the waves
    # to tell apart; what the readout would split is what is left of the random x_0.
    uniform = not background.any() and all(
        np.ptp(omega) == 0 for omega in network.channels.values()
    )
    if foreground.any():
        clusters[foreground] = 1 + cluster_units(
            readout.projection,
            n_segments=1 if uniform else None if p.segments_cut_tree else p.segments,
            max_segments=p.max_segments,
            seed=p.seed,
            separation=p.cluster_separation,
            restarts=p.cluster_restarts,
            count_restarts=p.count_restarts,
        )
    features = np.stack(list(network.channels.values()))
    return GridRun(
        background=background,
        layer1_phases=layer1.phases,
        sides=sides,
        final_phases=np.where(foreground, np.angle(layer2[0].final), np.nan),
        readout=readout,
        clusters=clusters,
        labels=candidate_regions(clusters, background, list(sides.values()), features, p, steps),
        trace=(layer1.run.trace, layer2[0].trace) if trace_every else None,
    )


def _skipped(prepared: PreparedImage, p: Parameters) -> list[str]:
    """The steps of 2-D colour images that ``p`` asks for and a signal or a volume skips."""
    if prepared.spatial_dims == 2:
        return []
    return [
        name
        for name, on in (("colour", p.colour), ("refine_boundaries", p.refine_boundaries))
        if on
    ]


def _record(network, prepared, initial_state_given: bool, trace_every: int) -> dict:
    """The run's parameters as the sidecar records them (for a signal or a volume, also its
    spatial dimensions and the 2-D steps it skipped)."""
    from .dynamics import network_engine

    record = {
        **network.parameters.as_dict(),
        "engine": network_engine(network),
        "initial_state_given": initial_state_given,
        "grid": list(network.shape),
        "trace_every": trace_every,
    }
    if prepared.spatial_dims != 2:
        record.update(
            spatial_dims=prepared.spatial_dims, skipped=_skipped(prepared, network.parameters)
        )
    return record
