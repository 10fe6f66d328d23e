import numpy as np
import pytest

from wavesegment.network import GaussianCoupling, frequencies, random_initial_state
from wavesegment.preparation import to_grayscale

from .published import gaussian_sheet


@pytest.mark.parametrize("sigma", [0.9, 0.0313, 0.2])
@pytest.mark.parametrize("shape", [(7, 11), (32, 32), (40, 9)])
def test_separable_coupling_equals_the_dense_published_sheet(shape, sigma):
    coupling = GaussianCoupling(shape, alpha=0.5, sigma=sigma)
    dense = gaussian_sheet(*shape, 0.5, sigma)
    np.testing.assert_allclose(coupling.dense(), dense, rtol=1e-12, atol=1e-15)
    state = np.random.default_rng(0).standard_normal((2, *shape))
    expected = dense @ (state[0] + 1j * state[1]).ravel()
    applied = coupling.apply(state)
    np.testing.assert_allclose(
        applied[0].ravel() + 1j * applied[1].ravel(),
        expected,
        rtol=0,
        atol=1e-12 * np.abs(expected).max(),
    )


def test_the_cheaper_product_is_taken():
    # The test above checks both: a wide sheet has a small rank, a narrow one a full rank.
    assert GaussianCoupling((32, 32), alpha=0.5, sigma=0.9)._low_rank_is_cheaper
    assert not GaussianCoupling((32, 32), alpha=0.5, sigma=0.0313)._low_rank_is_cheaper


def test_coupling_rank_does_not_grow_with_the_image():
    small = GaussianCoupling((300, 300), alpha=0.5, sigma=0.0313).rank
    large = GaussianCoupling((1200, 900), alpha=0.5, sigma=0.0313).rank
    assert max(large) <= max(small) + 2 < 120
    assert max(GaussianCoupling((1200, 900), alpha=0.5, sigma=0.9).rank) <= 12


def test_initial_state_is_matlab_rng_in_column_major_order():
    # MATLAB: rng(1); rand(3, 1) -> 0.417022004702574, 0.720324493442158, 0.000114374817345
    x0 = random_initial_state((3, 2), seed=1)
    expected = np.array([0.417022004702574, 0.720324493442158, 0.000114374817345])
    np.testing.assert_allclose(np.angle(x0[:, 0]), (expected - 0.5) * 2 * np.pi, atol=1e-12)
    # rng(0) is MATLAB's default Mersenne Twister seed: the first draw is 0.814723686393179
    first = np.angle(random_initial_state((1, 1), seed=0))[0, 0]
    assert first == pytest.approx((0.814723686393179 - 0.5) * 2 * np.pi)


def test_frequencies():
    image = np.array([[0.0, 2.0], [4.0, 6.0]])
    omega = frequencies(image)
    assert omega.mean() == pytest.approx(0) and omega.std() == pytest.approx(1)
    np.testing.assert_array_equal(frequencies(image, mode="raw"), image)
    np.testing.assert_array_equal(frequencies(np.full((3, 3), 7.0)), np.zeros((3, 3)))
    with pytest.raises(ValueError, match="zscore"):
        frequencies(image, mode="log")


def test_grayscale_ignores_alpha_and_rejects_other_shapes():
    rgba = np.zeros((2, 2, 4))
    rgba[..., 1] = 1.0
    rgba[..., 3] = 0.5
    np.testing.assert_allclose(to_grayscale(rgba), 0.7154)
    with pytest.raises(ValueError, match="colour image"):
        to_grayscale(np.zeros((2, 2, 5)))
