"""Both engines against a direct dense iteration of the published update (tests/published.py)."""

import numpy as np
import pytest

from wavesegment import segment
from wavesegment.evaluation.shapes import shapes_image
from wavesegment.network import frequencies, random_initial_state
from wavesegment.readout import cluster_units

from .conftest import REFERENCE, same_partition
from .published import published_dynamics, published_projection

PHASE_TOLERANCE = 1e-6  # rad
# A unit's phase is compared where its magnitude is at least this fraction of the largest
# magnitude among its 3 x 3 neighbours, and at least GLOBAL of the largest overall: a phase
# error is about (float64 rounding x largest magnitude) / own magnitude, so below that rounding
# alone moves a phase by more than the tolerance.
SIGNIFICANT = 1e-3
GLOBAL = 1e-8


def _smooth_image(shape, seed):
    rng = np.random.default_rng(seed)
    rows, cols = np.meshgrid(
        np.linspace(0, 1, shape[0]), np.linspace(0, 1, shape[1]), indexing="ij"
    )
    blob = np.exp(-((rows - 0.3) ** 2 + (cols - 0.6) ** 2) / 0.05)
    return 0.6 * blob + 0.4 * (rows > 0.7) + 0.05 * rng.standard_normal(shape)


def _cases():
    """(name, image, frequency mode, seed, segments) at sizes up to 32 x 32."""
    cases = [
        ("two shapes", shapes_image(2, seed=3)[0], "raw", 1, 2),
        ("three shapes", shapes_image(3, seed=4)[0], "raw", 9, 3),
        ("non-square smooth", _smooth_image((20, 28), seed=0), "zscore", 5, 2),
    ]
    for name, seed, k in [("2shapes.mat", 1, 2), ("3shapes.mat", 9, 3)]:
        if (REFERENCE / name).exists():
            from scipy.io import loadmat

            images = loadmat(REFERENCE / name)["images"].astype(float)
            cases += [(f"{name}[{i}]", images[:, :, i], "raw", seed, k) for i in range(3)]
    if (REFERENCE / "natural_image.mat").exists():
        from scipy.io import loadmat

        image = loadmat(REFERENCE / "natural_image.mat")["im"][::2, ::2]
        cases.append(("natural_image.mat at 32x32", image, "raw", 1, 2))
    return cases


CASES = _cases()


def _significant(state):
    magnitude = np.abs(state)
    padded = np.pad(magnitude, 1)
    neighbourhood = np.max(
        [
            padded[1 + dr : 1 + dr + state.shape[0], 1 + dc : 1 + dc + state.shape[1]]
            for dr in (-1, 0, 1)
            for dc in (-1, 0, 1)
        ],
        axis=0,
    )
    return (magnitude > SIGNIFICANT * neighbourhood) & (magnitude > GLOBAL * magnitude.max())


def _max_phase_error(ours, reference):
    keep = _significant(reference)
    return np.abs(np.angle(ours[keep] * np.conj(reference[keep]))).max()


@pytest.fixture(scope="module", params=CASES, ids=[case[0] for case in CASES])
def case(request):
    name, image, mode, seed, k = request.param
    omega = frequencies(image, mode=mode)
    saved, background = published_dynamics(omega, random_initial_state(image.shape, seed))
    saved = saved.reshape(-1, *image.shape)
    foreground = ~background
    window = saved[139:180][:, foreground]
    projection, eigenvalues = published_projection(np.exp(1j * np.angle(window)).T)
    labels = np.zeros(image.shape, dtype=int)
    labels[foreground] = 1 + cluster_units(projection, n_segments=k, seed=seed)
    reference = {
        "step60": saved[59],
        "step180": saved[179],
        "background": background,
        "projection": projection,
        "eigenvalues": eigenvalues,
        "labels": labels,
    }
    results = {
        engine: segment(
            image, segments=k, seed=seed, engine=engine, frequency_mode=mode, preset="published"
        )
        for engine in ("numba", "exact")
    }
    return reference, results


@pytest.mark.parametrize("engine", ["numba", "exact"])
def test_layer1_phases_and_background_mask(case, engine):
    reference, results = case
    result = results[engine]
    assert (
        _max_phase_error(np.exp(1j * result.grid.mask_phases), reference["step60"])
        < PHASE_TOLERANCE
    )
    np.testing.assert_array_equal(result.background, reference["background"])


@pytest.mark.parametrize("engine", ["numba", "exact"])
def test_layer2_phases_at_the_last_readout_step(case, engine):
    reference, results = case
    final = np.exp(1j * np.nan_to_num(results[engine].grid.final_phases))
    step180 = np.where(reference["background"], 0, reference["step180"])
    assert _max_phase_error(final, step180) < PHASE_TOLERANCE


@pytest.mark.parametrize("engine", ["numba", "exact"])
def test_readout_and_labels_match_the_published_pipeline(case, engine):
    reference, results = case
    result = results[engine]
    expected = reference["projection"]
    np.testing.assert_allclose(
        result.grid.readout.eigenvalues, reference["eigenvalues"], rtol=1e-5, atol=1e-9
    )
    ours = result.grid.readout.projection
    signs = np.sign(np.sum(ours * expected, axis=0))
    # Recorded phasors are complex64, hence the tolerance.
    np.testing.assert_allclose(ours * signs, expected, atol=1e-4 * np.abs(expected).max())
    assert same_partition(result.labels, reference["labels"])
