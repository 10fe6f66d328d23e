"""The faster ways of computing a result give the very values of the plain ways they replace."""

import numpy as np
import pytest
from skimage.color import rgb2lab
from skimage.measure import block_reduce
from skimage.transform import resize

from wavesegment.grouping.adjacency import border_lengths, neighbour_pairs
from wavesegment.labels import relabel_by_size
from wavesegment.network.axis_coupling import AxisCoupling
from wavesegment.preparation import colour
from wavesegment.preparation.grid import shrink_by, stretch_to, to_grid, to_native, working_shape


@pytest.mark.parametrize("keep_zero", [False, True])
@pytest.mark.parametrize("shape", [(40,), (13, 17), (5, 6, 7)])
def test_relabel_by_size_counts_small_labels_as_unique_does(shape, keep_zero):
    rng = np.random.default_rng(len(shape))
    labels = rng.integers(0, 6, size=shape)
    weights = rng.random(shape)
    for given in (None, weights):
        fast = relabel_by_size(labels, keep_zero=keep_zero, weights=given)
        # Labels far above the element count take the np.unique route; the shift keeps the
        # order of the labels, hence the ranks (ties go to the lower label).
        shifted = np.where(labels == 0, 0, labels + 10**9) if keep_zero else labels + 10**9
        plain = relabel_by_size(shifted, keep_zero=keep_zero, weights=given)
        assert fast.dtype == plain.dtype == np.int32
        np.testing.assert_array_equal(fast, plain)


def _pairs_one_by_one(labels, values):
    first, second, larger = [], [], []
    for axis in range(labels.ndim - 1, -1, -1):
        low = np.moveaxis(labels, axis, 0)[:-1].ravel(), np.moveaxis(values, axis, 0)[:-1].ravel()
        up = np.moveaxis(labels, axis, 0)[1:].ravel(), np.moveaxis(values, axis, 0)[1:].ravel()
        order = np.moveaxis(np.arange(labels.size).reshape(labels.shape), axis, 0)[:-1].ravel()
        for i in np.argsort(order, kind="stable"):
            if low[0][i] != up[0][i]:
                first.append(low[0][i])
                second.append(up[0][i])
                larger.append(max(low[1][i], up[1][i]))
    return np.array(first), np.array(second), np.array(larger)


@pytest.mark.parametrize("shape", [(30,), (9, 11), (4, 5, 6)])
def test_neighbour_pairs_and_border_lengths_count_every_pair(shape):
    rng = np.random.default_rng(7)
    labels = rng.integers(0, 4, size=shape)
    values = rng.random(shape)
    for got, expected in zip(
        neighbour_pairs(labels, values), _pairs_one_by_one(labels, values), strict=True
    ):
        np.testing.assert_array_equal(got, expected)
    first, second, _ = _pairs_one_by_one(labels, values)
    expected = [{} for _ in range(labels.max() + 1)]
    counted = {}
    for a, b in zip(first, second, strict=True):
        if a and b:
            counted[a, b] = counted.get((a, b), 0) + 1
            counted[b, a] = counted.get((b, a), 0) + 1
    for (a, b), n in sorted(counted.items()):
        expected[a][int(b)] = n
    got = border_lengths(labels)
    assert got == expected
    assert [list(d) for d in got] == [list(d) for d in expected]  # the order ties are read in


@pytest.mark.parametrize("native", [(90, 130), (300, 41), (40, 50, 60)])
def test_grid_resampling_is_skimage_resize(native):
    rng = np.random.default_rng(3)
    grid = working_shape(native, 600)
    for image in (rng.random(native) * 50, rng.random((*native, 3)) if len(native) == 2 else None):
        if image is None:
            continue
        spatial = len(grid)
        block = max(1, int(min(n / g for n, g in zip(native, grid, strict=True)) // 8))
        whole = tuple(slice(0, n - n % block) for n in native)
        reduced = block_reduce(image[whole], (block,) * spatial + (1,) * (image.ndim - spatial))
        sigma = [0.5 * n / g for n, g in zip(reduced.shape, grid, strict=False)]
        sigma += [0] * (image.ndim - spatial)
        expected = resize(reduced, grid, anti_aliasing=True, anti_aliasing_sigma=sigma)
        got = to_grid(image, grid)
        assert got.dtype == expected.dtype
        np.testing.assert_array_equal(got, expected)
    for labels in (rng.integers(0, 9, size=grid).astype(np.int32), rng.random(grid) > 0.5):
        expected = resize(labels, native, order=0, preserve_range=True, anti_aliasing=False)
        got = to_native(labels, native)
        assert got.dtype == labels.dtype
        np.testing.assert_array_equal(got, expected.astype(labels.dtype))


@pytest.mark.parametrize("channels", [None, 3])
def test_cielab_in_bands_is_the_whole_conversion(monkeypatch, channels):
    rng = np.random.default_rng(5)
    image = rng.random((70, 9) if channels is None else (70, 9, channels)) * 200 + 10
    monkeypatch.setattr(colour, "_BAND_ROWS", 16)
    rgb = image if channels else np.repeat(image[..., None], 3, axis=2)
    scaled = ((rgb - image.min()) / (image.max() - image.min())).astype(np.float32)
    expected = rgb2lab(scaled)[..., : 3 if channels else 1]
    got = colour.cielab(image)
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)


def test_dense_axis_product_is_moveaxis_matmul():
    rng = np.random.default_rng(2)
    array = rng.standard_normal((2, 7, 29, 13))
    for axis in (1, 2, 3):
        coupling = AxisCoupling(array.shape[axis], 0.1)
        dense = coupling._dense
        expected = np.moveaxis(np.moveaxis(array, axis, -1) @ dense, -1, axis)
        np.testing.assert_array_equal(coupling.apply(array, axis=axis), expected)


def test_phase_readout_of_runs_and_units_is_that_of_the_copied_window(monkeypatch):
    from wavesegment.readout import phases

    monkeypatch.setattr(phases, "_CHUNK", 100)  # several blocks
    rng = np.random.default_rng(4)
    runs = [np.exp(6j * rng.random((9, 20, 17))).astype(np.complex64) for _ in range(3)]
    foreground = rng.random((20, 17)) > 0.3
    copied = phases.phase_readout(np.concatenate([run[:, foreground] for run in runs]))
    blocks = phases.phase_readout(runs, units=np.flatnonzero(foreground))
    for field in ("eigenvalues", "modes", "projection"):
        np.testing.assert_array_equal(getattr(blocks, field), getattr(copied, field))


def _kernel_step(state, coupled, omega, foreground, scale):
    """The numba kernel that stepped the engine, element by element in Python floats."""
    peak = 0.0
    for index in np.ndindex(omega.shape):
        real, imag = state[(0, *index)], state[(1, *index)]
        if foreground[index]:
            new_real = scale * (coupled[(0, *index)] - omega[index] * imag)
            new_imag = scale * (coupled[(1, *index)] + omega[index] * real)
        else:
            new_real = new_imag = 0.0
        state[(0, *index)], state[(1, *index)] = new_real, new_imag
        peak = max(peak, new_real * new_real + new_imag * new_imag)
    return float(np.sqrt(peak))


def test_numpy_step_is_the_kernel_step_bit_for_bit():
    from wavesegment.dynamics._kernels import unit_phasors
    from wavesegment.dynamics.engines import _KernelStepper, _Stepper

    rng = np.random.default_rng(8)
    omega = rng.standard_normal((6, 7))
    for foreground in (rng.random(omega.shape) > 0.4, np.ones(omega.shape, dtype=bool)):
        state = rng.standard_normal((2, *omega.shape)) * foreground
        expected, stepper = state.copy(), _Stepper(omega, foreground)
        for _ in range(4):
            coupled = rng.standard_normal(state.shape)
            peak = stepper.advance(state, coupled, 0.7)
            assert peak == _kernel_step(expected, coupled, omega, foreground, 0.7)
            np.testing.assert_array_equal(state, expected)
            np.testing.assert_array_equal(np.signbit(state), np.signbit(expected))  # +0 off it
        got, kernel = np.empty(omega.shape, np.complex64), np.empty(omega.shape, np.complex64)
        stepper.phasors(state, got)
        unit_phasors(state, kernel)
        np.testing.assert_array_equal(got, kernel)
        coupled = rng.standard_normal(state.shape)
        numba_state = state.copy()
        peak = _KernelStepper(omega, foreground).advance(numba_state, coupled, 0.3)
        assert peak == stepper.advance(state, coupled, 0.3)
        np.testing.assert_array_equal(numba_state, state)
        np.testing.assert_array_equal(np.signbit(numba_state), np.signbit(state))


@pytest.mark.parametrize("shape", [(321, 481, 3), (97, 45, 1), (64, 64)])
@pytest.mark.parametrize("factor", [2, 5, 12])
def test_shrinking_and_stretching_are_skimage_rescale_and_resize(shape, factor):
    from skimage.transform import rescale

    image = np.random.default_rng(factor).random(shape) * 80
    channel_axis = -1 if len(shape) == 3 else None
    expected = rescale(image, 1 / factor, channel_axis=channel_axis)
    np.testing.assert_array_equal(shrink_by(image, factor), expected)
    plane = expected if expected.ndim == 2 else expected[..., 0]
    np.testing.assert_array_equal(stretch_to(plane, shape[:2]), resize(plane, shape[:2], order=1))


# skimage warns of float images; the float case is here on purpose (ties and near-ties).
@pytest.mark.filterwarnings("ignore:Applying `local_binary_pattern` to floating-point")
@pytest.mark.parametrize("shape", [(1, 1), (1, 7), (2, 9), (23, 31)])
def test_uniform_lbp_is_skimage_local_binary_pattern(shape):
    from skimage.feature import local_binary_pattern

    from wavesegment.grouping.texture import uniform_lbp

    rng = np.random.default_rng(sum(shape))
    for image in (rng.integers(0, 3, shape).astype(np.uint8), rng.random(shape) * 255):
        expected = local_binary_pattern(image, 8, 1, "uniform")  # ties (few levels) included
        np.testing.assert_array_equal(uniform_lbp(image), expected)


def _one_pair_cues(graph, a, b):
    """The cues of regions a and b as the learned linkage first computed them, one pair at a
    time in scalar numpy (the plain way that CueGraph.pair_cues replaces)."""

    def chi_square(first, second):
        p, q = first / first.sum(), second / second.sum()
        total = p + q
        inside = total > 0
        return float(0.5 * np.sum((p[inside] - q[inside]) ** 2 / total[inside]))

    n_a, n_b = graph.sizes[a], graph.sizes[b]
    mean_a, mean_b = graph.colour[a] / n_a, graph.colour[b] / n_b
    count, fine, coarse = graph.borders[a][b]
    small, large = sorted((n_a, n_b))
    shorter = min(graph.perimeter[a], graph.perimeter[b])
    variance = (graph.squares[a] + graph.squares[b]).sum() / (n_a + n_b)
    variance -= (((graph.colour[a] + graph.colour[b]) / (n_a + n_b)) ** 2).sum()
    across = (graph.sides[a][b] - graph.sides[b][a]).reshape(graph.n_sides, -1) / count
    return np.array(
        [
            np.linalg.norm(mean_a - mean_b),
            abs(mean_a[0] - mean_b[0]),
            np.sqrt(max(variance, 0.0)),
            fine / count,
            coarse / count,
            (graph.inside[a] + graph.inside[b]) / (n_a + n_b),
            *np.linalg.norm(across, axis=1),
            chi_square(graph.lbp[a], graph.lbp[b]),
            chi_square(graph.histogram[a], graph.histogram[b]),
            np.log(small / graph.n_pixels),
            np.log(large / graph.n_pixels),
            count / max(shorter, 1.0),
        ]
    )


def test_learned_cues_of_all_pairs_at_once_are_those_of_one_pair_at_a_time():
    from wavesegment.grouping.linkage import LEARNED, cue_maps

    rng = np.random.default_rng(3)
    labels = np.kron(rng.integers(0, 12, (6, 8)), np.ones((5, 5), dtype=int))
    labels = np.unique(labels, return_inverse=True)[1].reshape(labels.shape)
    lab = np.stack([rng.normal(50, 9, labels.shape), *rng.normal(0, 6, (2, *labels.shape))], -1)
    lab += rng.normal(0, 20, (labels.max() + 1, 3))[labels]
    graph = LEARNED.graph(labels, lab, cue_maps(lab, cell=4.0))
    for _ in range(3):  # before and after merges (pooled sums, histograms with empty bins)
        pairs = [(a, b) for a in range(len(graph.borders)) for b in graph.borders[a]]
        first, second = zip(*pairs, strict=True)
        batch = graph.pair_cues(first, second)
        plain = np.array([_one_pair_cues(graph, a, b) for a, b in pairs])
        np.testing.assert_array_equal(batch, plain)
        costs = [float(1 / (1 + np.exp(-(LEARNED.bias + LEARNED.terms(c).sum())))) for c in plain]
        assert graph.costs(first, second).tolist() == costs
        graph.merge(*pairs[0])
    assert graph.pair_cues([], []).shape == (0, len(graph.linkage.names))
    assert graph.costs([], []).shape == (0,)


def test_first_minimum_is_argmin_along_the_first_axis():
    from wavesegment.readout.nearest import first_minimum

    rng = np.random.default_rng(0)
    for rows in (1, 2, 5, 8):
        values = rng.integers(0, 4, (rows, 300)).astype(float)  # many ties: the first wins
        np.testing.assert_array_equal(first_minimum(values), values.argmin(axis=0))
