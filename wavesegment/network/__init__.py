"""The network: Gaussian couplings, the units' frequencies and initial states."""

from .coupling import GaussianCoupling
from .units import frequencies, random_initial_state

__all__ = ["GaussianCoupling", "frequencies", "random_initial_state"]
