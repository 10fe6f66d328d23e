"""The dynamics x_{t+1} = M x_t: engines that step or solve it, and its exact eigenmodes."""

from .engines import ENGINES, Evolution, evolve, resolve_engine
from .layers import network_engine, run_layer1, run_layer2
from .spectral import LayerSpectrum, layer_spectrum

__all__ = [
    "ENGINES",
    "Evolution",
    "LayerSpectrum",
    "evolve",
    "layer_spectrum",
    "network_engine",
    "resolve_engine",
    "run_layer1",
    "run_layer2",
]
