"""A direct transcription of the published MATLAB code (dense N x N), the oracle of the tests.

Written independently of the package on purpose: dense Gaussian sheet from pairwise distances,
dense matrix-vector steps, dense similarity matrix and its full eigen-decomposition.
"""

import numpy as np


def gaussian_sheet(rows, cols, alpha, sigma):
    r, c = np.meshgrid(np.arange(1, rows + 1) / rows, np.arange(1, cols + 1) / cols, indexing="ij")
    positions = np.stack([r.ravel(), c.ravel()], axis=1)  # row-major pixel order
    squared = ((positions[:, None, :] - positions[None, :, :]) ** 2).sum(axis=2)
    return alpha * np.exp(-squared / 2 / sigma**2)


def published_dynamics(omega, x0, *, mask_step=60, last_step=180):
    """Phases of every step 1..last_step (index t-1) and the background mask, as run_2layer.m."""
    rows, cols = omega.shape
    omega = omega.ravel().astype(float)
    x = x0.ravel().astype(complex)
    saved = np.zeros((last_step, omega.size), dtype=complex)
    saved[0] = x
    M = np.diag(1j * omega) + gaussian_sheet(rows, cols, 0.5, 0.9)
    for step in range(2, mask_step + 1):
        x = M @ x
        x /= np.abs(x).max()  # phases are unchanged; keeps the numbers finite
        saved[step - 1] = x
    phases = np.angle(saved[mask_step - 1])
    threshold = phases.mean()
    if (phases > threshold).sum() > (phases < threshold).sum():
        background = phases > threshold
    else:
        background = phases < threshold
    K = gaussian_sheet(rows, cols, 0.5, 0.0313)
    K[background, :] = 0
    K[:, background] = 0
    M = np.diag(1j * np.where(background, 0, omega)) + K
    x = np.where(background, 0, x0.ravel())
    for step in range(mask_step + 1, last_step + 1):
        x = M @ x
        x /= np.abs(x).max()
        saved[step - 1] = x
    return saved, background.reshape(rows, cols)


def published_projection(phasors):
    """Re(rho) Re(V) of spatiotemporal_segmentation.m for phasors (units x L), dense.

    Each eigenvector is rotated so that v^T v is real and positive (the package's convention;
    an eigenvector's phase is otherwise arbitrary).
    """
    length = phasors.shape[1]
    rho = phasors @ phasors.conj().T / length
    values, vectors = np.linalg.eigh(rho)
    top = np.argsort(np.abs(values))[::-1][:3]
    vectors = vectors[:, top]
    vectors = vectors * np.exp(-0.5j * np.angle((vectors**2).sum(axis=0)))
    return rho.real @ vectors.real, values[top]
