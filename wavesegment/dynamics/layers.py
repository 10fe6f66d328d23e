"""The two layers of a :class:`~wavesegment.network.Network`, run by an engine.

Steps are numbered as in the published code: step 1 is x_0, step t <= ``layer1_steps`` is
``M1^(t-1) x_0``, and step t > ``layer1_steps`` is ``M2^(t - layer1_steps)`` applied to x_0 with
the background removed.
"""

from __future__ import annotations

import numpy as np

from ..network import LUMINANCE, Network
from .critical import CriticalMap, evolve_critical
from .engines import Evolution, evolve, resolve_engine


def network_engine(network: Network) -> str:
    """The engine that runs ``network``: the one asked for, with ``"auto"`` resolved.

    ``"auto"`` takes the exact solution on tiny grids and the stepping engine otherwise, and
    always the stepping engine when the dynamics are noisy.
    """
    engine = network.parameters.engine
    if network.parameters.dynamics == "critical":
        return "numba"  # a nonlinear map: stepped, never solved in closed form
    if network.parameters.noise and engine == "auto":
        return "numba"
    return resolve_engine(engine, int(np.prod(network.shape)))


def run_layer1(network: Network, channel: str = LUMINANCE, *, trace_every: int = 0) -> Evolution:
    """Layer 1 on all units, driven by ``channel``, from the first x_0 to the mask step."""
    p = network.parameters
    index = list(network.channels).index(channel)
    return _evolve(
        network,
        network.layer1,
        network.channels[channel],
        network.initial_states[0],
        n_steps=p.layer1_steps - 1,
        record_from=p.layer1_steps,
        trace_every=trace_every,
        noise_seed=[p.seed, 1, index],
    )


def run_layer2(
    network: Network,
    foreground: np.ndarray,
    run: int = 0,
    *,
    trace_every: int = 0,
    window: tuple[int, int] | None = None,
    record_states: bool = False,
) -> Evolution:
    """Layer 2 on the ``foreground`` units from the x_0 of seed ``run``, recording the readout
    window (steps ``readout_steps``, inclusive, unless another ``window`` is given), and with
    ``record_states`` the complex states there too."""
    p = network.parameters
    first, last = window if window is not None else p.readout_steps
    return _evolve(
        network,
        network.layer2,
        np.where(foreground, network.omega, 0.0),
        np.where(foreground, network.initial_states[run], 0.0),
        n_steps=last - p.layer1_steps,
        record_from=first - p.layer1_steps,
        foreground=foreground,
        trace_every=trace_every,
        noise_seed=[p.seed, 2, run],
        record_states=record_states,
    )


def _evolve(network: Network, coupling, omega, x0, *, foreground=None, **steps) -> Evolution:
    """One layer's run with the network's dynamics: linear, or critical
    (:mod:`wavesegment.dynamics.critical`)."""
    p = network.parameters
    if p.dynamics == "critical":
        critical = CriticalMap(coupling, omega, p.critical_input, foreground)
        return evolve_critical(critical, x0, noise=p.noise, **steps)
    engine = network_engine(network)
    return evolve(coupling, omega, x0, foreground=foreground, engine=engine, noise=p.noise, **steps)
