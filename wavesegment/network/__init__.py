"""The network: Gaussian couplings, the units' frequencies and initial states, built once
per run as a :class:`Network`."""

from .coupling import GaussianCoupling
from .network import LUMINANCE, Network, coupling
from .units import frequencies, random_initial_state

__all__ = [
    "LUMINANCE",
    "GaussianCoupling",
    "Network",
    "coupling",
    "frequencies",
    "random_initial_state",
]
