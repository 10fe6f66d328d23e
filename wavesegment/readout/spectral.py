"""Spectral readout: each unit described by the Fourier magnitudes of its own trajectory.

Jacobs, Budzinski, Muller, Ba and Keller ("Traveling Waves Integrate Spatial Information Through
Time") read each unit's time series through its FFT magnitudes. In the linear network the
trajectory of unit i is ``x_i(t) = sum_k c_k v_k(i) lambda_k^t``: its spectrum has a peak at the
rotation ``arg(lambda_k)`` of every mode that reaches it, with weight ``|c_k v_k(i)|``. Units of
one object, reached by the same modes of that object's block, share their peaks; the magnitudes
forget the phase offsets that the phase readout relies on.

Window: :data:`SPECTRAL_STEPS` steps ending at the last readout step (all of layer 2 if it is
shorter). 128 steps resolve rotations ``2 pi / 128 = 0.049`` rad per step apart, a sixth of
the phase readout's 41-step resolution (0.15 rad), which is too coarse for objects whose
frequencies differ by a tenth of the z-scored intensity range. A Hann taper keeps a mode's
energy in its own 4 bins instead of leaking over the whole spectrum.
"""

from __future__ import annotations

import numpy as np

from .phases import PhaseReadout

#: Length, in steps, of the window whose spectrum is read.
SPECTRAL_STEPS = 128


def spectral_window(layer1_steps: int, readout_steps: tuple[int, int]) -> tuple[int, int]:
    """The steps (first, last), numbered as ``readout_steps``, whose spectrum is read.

    Examples
    --------
    >>> spectral_window(60, (800, 840))
    (713, 840)
    >>> spectral_window(60, (140, 180))  # layer 2 is only 120 steps long
    (61, 180)
    """
    last = readout_steps[1]
    return max(last - SPECTRAL_STEPS + 1, layer1_steps + 1), last


def unit_spectra(states: np.ndarray) -> np.ndarray:
    """Normalised FFT magnitudes of each unit's trajectory, averaged over runs.

    Parameters
    ----------
    states : (n_runs, L, n_units) complex ndarray
        The complex states of the units over L consecutive steps, one block per initial state.

    Returns
    -------
    (n_units, L) ndarray
        Per unit, the magnitudes of the Hann-tapered FFT over the window (all L frequencies: a
        complex signal's positive and negative rotations differ), scaled to unit norm per run
        and averaged over the runs. A silent unit has zeros.

    Examples
    --------
    >>> t = np.arange(64)[None, :, None]
    >>> states = np.exp(1j * t * np.array([0.3, 0.3, -0.4]))
    >>> spectra = unit_spectra(states)
    >>> bool(np.allclose(spectra[0], spectra[1])), bool(np.allclose(spectra[0], spectra[2]))
    (True, False)
    """
    length = states.shape[1]
    taper = np.hanning(length + 2)[1:-1]  # no zero end points: every step counts
    spectra = np.abs(np.fft.fft(states * taper[None, :, None], axis=1))
    norms = np.linalg.norm(spectra, axis=1, keepdims=True)
    spectra = np.divide(spectra, norms, out=np.zeros_like(spectra), where=norms > 0)
    return spectra.mean(axis=0).T


def spectral_readout(states: np.ndarray, *, n_modes: int = 3) -> PhaseReadout:
    """Leading principal components of the units' spectra, as the features to cluster.

    Parameters
    ----------
    states : (n_runs, L, n_units) complex ndarray
        Complex states of the units over the spectral window, per initial state.
    n_modes : int
        Number of principal components kept.

    Returns
    -------
    PhaseReadout
        ``eigenvalues``: variances of the leading components of the spectra (the eigenvalues
        of their covariance); ``modes``: the units' unit-norm component scores;
        ``projection``: the scores scaled by the components' standard deviations, which are
        clustered as the phase readout's projection is.

    Examples
    --------
    >>> t = np.arange(128)[None, :, None]
    >>> states = np.exp(1j * t * np.repeat([0.2, -0.3], 5))
    >>> readout = spectral_readout(states, n_modes=2)
    >>> bool(np.allclose(readout.projection[:5], readout.projection[0]))
    True
    """
    spectra = unit_spectra(states)
    centred = spectra - spectra.mean(axis=0)
    scores, singular, _ = np.linalg.svd(centred, full_matrices=False)
    kept = min(n_modes, singular.size)
    scores, singular = scores[:, :kept], singular[:kept]
    values = singular**2 / max(len(spectra), 1)
    return PhaseReadout(values, scores.astype(np.complex128), scores * singular)
