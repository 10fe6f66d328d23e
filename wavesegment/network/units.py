"""The units' own values: their frequencies omega and their initial states x_0."""

from __future__ import annotations

import numpy as np

# MATLAB's rng(0) seeds the Mersenne Twister with 5489; any other seed is used as it is.
_MATLAB_DEFAULT_SEED = 5489


def frequencies(image: np.ndarray, *, mode: str = "zscore") -> np.ndarray:
    """Intrinsic frequencies omega of the units, one per pixel.

    Parameters
    ----------
    image : (M, N) ndarray
        Grayscale intensities.
    mode : {"zscore", "raw"}
        ``"zscore"`` subtracts the mean and divides by the standard deviation (a constant image
        gives zeros); ``"raw"`` uses the values unchanged, as the published inputs are.

    Returns
    -------
    omega : (M, N) float64 ndarray
    """
    values = np.asarray(image, dtype=np.float64)
    if mode == "raw":
        return values.copy()
    if mode != "zscore":
        raise ValueError(f"frequency mode must be 'zscore' or 'raw', not {mode!r}")
    spread = values.std()
    centred = values - values.mean()
    return centred / spread if spread > 0 else centred


def random_initial_state(shape: tuple[int, ...], seed: int) -> np.ndarray:
    """Random unit phasors x_0, drawn as the published MATLAB code draws them.

    ``seed`` plays the role of MATLAB's ``rng(seed)``: the phases are
    ``(rand(N, 1) - 0.5) * 2 pi`` from the Mersenne Twister, laid out in column-major pixel
    order, so a run with seed 1 starts exactly where the published example with ``rng(1)`` does.

    Examples
    --------
    >>> x0 = random_initial_state((32, 32), seed=1)
    >>> bool(np.allclose(abs(x0), 1))
    True
    """
    generator = np.random.RandomState(seed if seed != 0 else _MATLAB_DEFAULT_SEED)
    uniform = generator.random_sample(int(np.prod(shape))).reshape(shape, order="F")
    return np.exp(1j * (uniform - 0.5) * 2 * np.pi)
