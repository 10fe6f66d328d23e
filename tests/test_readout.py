import numpy as np

from wavesegment.readout import phase_readout
from wavesegment.readout import phases as phases_module

from .published import published_projection


def test_low_rank_readout_equals_the_dense_similarity(monkeypatch):
    monkeypatch.setattr(phases_module, "_CHUNK", 37)  # several blocks, uneven last block
    rng = np.random.default_rng(1)
    steps = np.arange(41)[:, None]
    groups = rng.integers(0, 3, 300)
    phases = np.array([0.1, 0.5, -0.3])[groups] * steps + rng.uniform(-3, 3, 3)[groups]
    phases = phases + 0.2 * rng.standard_normal(phases.shape)
    phasors = np.exp(1j * phases)
    result = phase_readout(phasors.astype(np.complex64))
    projection, eigenvalues = published_projection(phasors.T)
    np.testing.assert_allclose(result.eigenvalues, eigenvalues, rtol=1e-5)
    signs = np.sign(np.sum(result.projection * projection, axis=0))
    np.testing.assert_allclose(result.projection * signs, projection, atol=1e-4)
    modes = result.modes
    np.testing.assert_allclose(np.linalg.norm(modes, axis=0), 1, rtol=1e-6)
    # The phase convention makes v^T v real and positive.
    products = (modes**2).sum(axis=0)
    np.testing.assert_allclose(products.imag, 0, atol=1e-6)
    assert np.all(products.real >= 0)


def test_modes_beyond_the_rank_of_rho_are_zero():
    result = phase_readout(np.exp(1j * np.arange(41.0))[:, None].astype(np.complex64))
    assert result.projection.shape == (1, 3)
    assert np.all(np.isfinite(result.projection))
    np.testing.assert_allclose(result.projection[0, 1:], 0)
    assert abs(result.projection[0, 0]) > 0
