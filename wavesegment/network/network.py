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
    shape : (int, int)
        The working grid.
    channels : mapping of str to (rows, cols) ndarray
        Frequencies omega per channel, luminance first.
    initial_states : tuple of (rows, cols) complex ndarray
        One x_0 per seed (``n_seeds``); layer 1 starts from the first.
    layer1, layer2 : GaussianCoupling
        The wide and the narrow coupling.
    """

    parameters: Parameters
    shape: tuple[int, int]
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
        if parameters.colour:
            opponents = opponent_channels(prepared.lab)
            channels.update({name: frequencies(values) for name, values in opponents.items()})
        states = [
            random_initial_state(shape, parameters.seed + run) for run in range(parameters.n_seeds)
        ]
        if initial_state is not None:
            states[0] = _given_state(initial_state, prepared)
        return cls(
            parameters=parameters,
            shape=shape,
            channels=MappingProxyType(channels),
            initial_states=tuple(states),
            layer1=coupling(
                shape, parameters.layer1_alpha, parameters.layer1_sigma, parameters.coupling
            ),
            layer2=coupling(
                shape, parameters.layer2_alpha, parameters.layer2_sigma, parameters.coupling
            ),
        )


def coupling(shape: tuple[int, int], alpha: float, sigma: float, mode: str) -> GaussianCoupling:
    """The Gaussian coupling of one layer, ``"published"`` or ``"normalised"``.

    ``"published"``: sigma in units of each image axis, alpha unnormalised. ``"normalised"``:
    sigma in units of the grid's smaller side (isotropic) and alpha divided by the largest row
    sum of the Gaussian, so that the same scene couples alike at any resolution.
    """
    if mode == "published":
        return GaussianCoupling(shape, alpha=alpha, sigma=sigma)
    smaller = min(shape)
    per_axis = (sigma * smaller / shape[0], sigma * smaller / shape[1])
    return GaussianCoupling(shape, alpha=alpha, sigma=per_axis, normalise=True)


def _given_state(state: np.ndarray, prepared: PreparedImage) -> np.ndarray:
    if np.shape(state) != prepared.native_shape:
        raise ValueError(
            f"initial_state has shape {np.shape(state)}, the image {prepared.native_shape}"
        )
    if prepared.on_grid:
        raise ValueError("initial_state needs the image at native resolution: max_units=None")
    return np.asarray(state, dtype=np.complex128)
