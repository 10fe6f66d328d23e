"""The two layers of a :class:`~wavesegment.network.Network`, run by an engine.

Steps are numbered as in the published code: step 1 is x_0, step t <= ``layer1_steps`` is
``M1^(t-1) x_0``, and step t > ``layer1_steps`` is ``M2^(t - layer1_steps)`` applied to x_0 with
the background removed.
"""

from __future__ import annotations

import numpy as np

from ..network import LUMINANCE, Network
from .engines import Evolution, evolve, resolve_engine


def network_engine(network: Network) -> str:
    """The engine that runs ``network``: the one asked for, with ``"auto"`` resolved.

    ``"auto"`` takes the exact solution on tiny grids and the stepping engine otherwise, and
    always the stepping engine when the dynamics are noisy.
    """
    engine = network.parameters.engine
    if network.parameters.noise and engine == "auto":
        return "numba"
    return resolve_engine(engine, int(np.prod(network.shape)))


def run_layer1(network: Network, channel: str = LUMINANCE, *, trace_every: int = 0) -> Evolution:
    """Layer 1 on all units, driven by ``channel``, from the first x_0 to the mask step."""
    p = network.parameters
    index = list(network.channels).index(channel)
    return evolve(
        network.layer1,
        network.channels[channel],
        network.initial_states[0],
        n_steps=p.layer1_steps - 1,
        record_from=p.layer1_steps,
        engine=network_engine(network),
        trace_every=trace_every,
        noise=p.noise,
        noise_seed=[p.seed, 1, index],
    )


def run_layer2(
    network: Network, foreground: np.ndarray, run: int = 0, *, trace_every: int = 0
) -> Evolution:
    """Layer 2 on the ``foreground`` units from the x_0 of seed ``run``, recording the readout
    window (steps ``readout_steps``, inclusive)."""
    p = network.parameters
    first, last = p.readout_steps
    return evolve(
        network.layer2,
        np.where(foreground, network.omega, 0.0),
        np.where(foreground, network.initial_states[run], 0.0),
        n_steps=last - p.layer1_steps,
        record_from=first - p.layer1_steps,
        foreground=foreground,
        engine=network_engine(network),
        trace_every=trace_every,
        noise=p.noise,
        noise_seed=[p.seed, 2, run],
    )
