"""The network of one run, built once: couplings, frequencies per channel, initial states.

``segment()``, ``explain``, the confidence samples and the pictures all take this one object,
so that what is explained or drawn is exactly what ran.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from ..parameters import Parameters
from ..preparation.colour import opponent_channels
from ..preparation.image import PreparedImage
from .coupling import GaussianCoupling
from .units import frequencies, random_initial_state

#: Name of the channel that drives layer 2 (and the published layer 1).
LUMINANCE = "luminance"


@dataclass(frozen=True, eq=False)
class Network:
    """The two linear layers of a run on its working grid.

    Layer 1 runs once per channel (``channels``: luminance, and a*, b* with ``colour``) on all
    units; layer 2 runs on the foreground once per initial state. Every run is
    ``x_{t+1} = (diag(i omega) + K) x_t``.

    Attributes
    ----------
    parameters : Parameters
    shape : tuple of int
        The working grid: (samples,), (rows, cols) or (planes, rows, cols).
    channels : mapping of str to grid-shaped ndarray
        Frequencies omega per channel, luminance first.
    initial_states : tuple of (rows, cols) complex ndarray
        One x_0 per seed (``n_seeds``); layer 1 starts from the first.
    layer1, layer2 : GaussianCoupling
        The wide and the narrow coupling.
    """

    parameters: Parameters
    shape: tuple[int, ...]
    channels: Mapping[str, np.ndarray]
    initial_states: tuple[np.ndarray, ...]
    layer1: GaussianCoupling
    layer2: GaussianCoupling

    @property
    def omega(self) -> np.ndarray:
        """Frequencies of the luminance channel, which drive layer 2."""
        return self.channels[LUMINANCE]

    @classmethod
    def build(
        cls,
        prepared: PreparedImage,
        parameters: Parameters,
        *,
        initial_state: np.ndarray | None = None,
    ) -> Network:
        """The network of ``parameters`` on the working grid of ``prepared``.

        ``initial_state`` replaces the first seed's x_0 (to reproduce another implementation's
        run); it needs the image at its native resolution.
        """
        shape = prepared.grid_shape
        channels = {LUMINANCE: frequencies(prepared.luminance, mode=parameters.frequency_mode)}
        if parameters.colour and prepared.spatial_dims == 2:  # colour sides: 2-D colour images
            opponents = opponent_channels(prepared.lab)
            channels.update({name: frequencies(values) for name, values in opponents.items()})
        states = [
            random_initial_state(shape, parameters.seed + run) for run in range(parameters.n_seeds)
        ]
        if initial_state is not None:
            states[0] = _given_state(initial_state, prepared)
        extents = physical_extents(prepared.native_shape, shape, parameters.spacing)
        layers = [
            coupling(shape, alpha, sigma, parameters.coupling, extents, parameters.periodic)
            for alpha, sigma in (
                (parameters.layer1_alpha, parameters.layer1_sigma),
                (parameters.layer2_alpha, parameters.layer2_sigma),
            )
        ]
        return cls(
            parameters=parameters,
            shape=shape,
            channels=MappingProxyType(channels),
            initial_states=tuple(states),
            layer1=layers[0],
            layer2=layers[1],
        )


def physical_extents(native_shape, grid_shape, spacing) -> tuple[float, ...]:
    """Length of each axis of the grid: in grid units, or, with ``spacing`` (per native
    sample), in physical units (the grid spans the native extent whatever its size)."""
    if spacing is None:
        return tuple(grid_shape)
    return tuple(float(n) * float(s) for n, s in zip(native_shape, spacing, strict=True))


def coupling(
    shape: tuple[int, ...],
    alpha: float,
    sigma: float,
    mode: str,
    extents: tuple[float, ...] | None = None,
    periodic: bool = False,
) -> GaussianCoupling:
    """The Gaussian coupling of one layer, ``"published"`` or ``"normalised"``.

    ``"published"``: sigma in units of each axis, alpha unnormalised. ``"normalised"``: sigma
    in units of the grid's shortest axis (isotropic; lengths are ``extents``, the grid's own
    shape by default, or physical lengths where the samples are not cubes) and alpha divided by
    the largest row sum of the Gaussian, so that the same scene couples alike at any resolution.
    ``periodic`` makes every axis a ring.
    """
    if mode == "published":
        return GaussianCoupling(shape, alpha=alpha, sigma=sigma, periodic=periodic)
    extents = tuple(shape) if extents is None else extents
    smaller = min(extents)
    per_axis = tuple(sigma * smaller / extent for extent in extents)
    return GaussianCoupling(shape, alpha=alpha, sigma=per_axis, normalise=True, periodic=periodic)


def _given_state(state: np.ndarray, prepared: PreparedImage) -> np.ndarray:
    if np.shape(state) != prepared.native_shape:
        raise ValueError(
            f"initial_state has shape {np.shape(state)}, the image {prepared.native_shape}"
        )
    if prepared.on_grid:
        raise ValueError("initial_state needs the image at native resolution: max_units=None")
    return np.asarray(state, dtype=np.complex128)
