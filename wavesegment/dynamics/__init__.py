"""The dynamics x_{t+1} = M x_t: engines that step or solve it, and its exact eigenmodes."""

from .engines import ENGINES, Evolution, evolve, resolve_engine
from .spectral import LayerSpectrum, layer_spectrum

__all__ = ["ENGINES", "Evolution", "LayerSpectrum", "evolve", "layer_spectrum", "resolve_engine"]
