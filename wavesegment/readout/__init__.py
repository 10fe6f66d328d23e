"""Reading the waves: the phase similarity's leading modes, and clusters of the units."""

from .background import background_mask
from .clustering import cluster_units
from .phases import PhaseReadout, phase_readout

__all__ = ["PhaseReadout", "background_mask", "cluster_units", "phase_readout"]
