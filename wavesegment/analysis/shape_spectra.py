"""Shape spectra: the leading eigenvalues of each segment's own layer-2 block, and matching.

"Can one hear the shape of a drum?": restricted to the units of one segment S, layer 2 is the
linear network ``M_S = diag(i omega_S) + K_S``. For a segment of one intensity omega_S is a
constant w and the eigenvalues of ``M_S`` are ``i w + kappa_k``, with ``kappa_k`` the
eigenvalues of the Gaussian coupling restricted to S: the modes rotate by ``arg(i w + kappa_k)``
per step and grow by ``|i w + kappa_k|``. The ``kappa_k`` are the shape's fingerprint (as
ShapeDNA uses the Laplacian spectrum). They depend only on the distances between the
segment's units, so they do not change when the segment is translated or, on the pixel lattice
with an isotropic coupling (the "normalised" one, or any on a square image), rotated by
quarter turns or reflected. Texture inside the segment (omega not constant) would add
imaginary parts that depend on the colour, not the shape, so the fingerprint takes the block
with omega_S replaced by its mean. It is not scale-invariant: the coupling has a fixed width
(``layer2_sigma``), so a larger copy of a shape has larger ``kappa_k`` (more units within
reach), closer to the sheet's row sum ``layer2_alpha`` (normalised coupling).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

#: Leading eigenvalues kept per segment.
SHAPE_MODES = 8
#: Segments with more grid units than this get no spectrum: one that large is a background,
#: not a shape, and its dense block would cost seconds (0.1 s at 1,000 units).
MAX_SHAPE_UNITS = 1024


#: The five tetromino classes of Jacobs et al. (cells), the default reference shapes of
#: ``wavesegment match`` (:func:`tetromino_references`) and the shapes of the tetromino images
#: (:mod:`wavesegment.evaluation.tetrominoes`).
TETROMINOES = {
    "I": np.array([[1, 1, 1, 1]]),
    "O": np.array([[1, 1], [1, 1]]),
    "T": np.array([[0, 1, 0], [1, 1, 1]]),
    "S/Z": np.array([[0, 1, 1], [1, 1, 0]]),
    "J/L": np.array([[1, 0, 0], [1, 1, 1]]),
}
#: Their cells' side in pixels.
TETROMINO_CELL = 7


def tetromino_references() -> dict[str, np.ndarray]:
    """One example mask per class, at the generator's scale: the shape as it is defined.

    Any rotation, reflection or placement of it has the same shape spectrum, so this is the
    first example of each class in the training images up to those.

    Examples
    --------
    >>> {name: mask.shape for name, mask in tetromino_references().items()}["T"]
    (14, 21)
    """
    return {
        name: np.kron(shape, np.ones((TETROMINO_CELL, TETROMINO_CELL))).astype(bool)
        for name, shape in TETROMINOES.items()
    }


def grid_labels(labels: np.ndarray, grid_shape: tuple[int, int]) -> np.ndarray:
    """``labels`` sampled at the centres of the cells of a working grid (nearest).

    Examples
    --------
    >>> grid_labels(np.arange(16).reshape(4, 4), (2, 2))
    array([[ 5,  7],
           [13, 15]])
    """
    rows, cols = (
        ((np.arange(g) + 0.5) * n / g).astype(int)
        for n, g in zip(labels.shape, grid_shape, strict=True)
    )
    return labels[np.ix_(rows, cols)]


def block_spectrum(coupling, mask: np.ndarray, *, n_modes: int = SHAPE_MODES) -> np.ndarray:
    """The ``n_modes`` largest eigenvalues ``kappa_k`` of the coupling restricted to ``mask``.

    Parameters
    ----------
    coupling : GaussianCoupling
        The layer's coupling K, on ``mask``'s grid.
    mask : (rows, cols) bool ndarray
        The segment.
    n_modes : int
        How many eigenvalues to keep; a segment of fewer units pads with zeros (a silent unit).

    Returns
    -------
    (n_modes,) ndarray
        Decreasing.

    Examples
    --------
    >>> from wavesegment.network.coupling import GaussianCoupling
    >>> coupling = GaussianCoupling((12, 12), alpha=1.0, sigma=0.1)
    >>> ell = np.zeros((12, 12), dtype=bool)
    >>> ell[2, 1:5] = ell[3, 4] = True
    >>> same = [np.rot90(ell), np.fliplr(ell), np.roll(ell, 5, axis=0)]
    >>> bool(all(np.allclose(block_spectrum(coupling, ell), block_spectrum(coupling, other))
    ...          for other in same))
    True
    """
    from scipy.linalg import eigvalsh

    block = coupling.block(np.flatnonzero(mask))
    size = len(block)
    kept = min(n_modes, size)
    values = eigvalsh(block, subset_by_index=[size - kept, size - 1])[::-1] if size else []
    return np.pad(values, (0, n_modes - kept))


def shape_spectra(
    result, *, n_modes: int = SHAPE_MODES, max_units: int = MAX_SHAPE_UNITS
) -> dict[int, np.ndarray | None]:
    """The shape spectrum of every segment, in the layer 2 of the network that ran.

    Parameters
    ----------
    result : SegmentationResult
        A run of :func:`wavesegment.segment`; its labels are sampled onto its working grid.
    n_modes : int
        Eigenvalues per segment.
    max_units : int
        Segments with more units on the grid get None.

    Returns
    -------
    dict of int to (n_modes,) ndarray or None
        By label (label 0, the published preset's background, left out).

    Examples
    --------
    >>> from wavesegment import segment
    >>> image = np.zeros((24, 24))
    >>> image[4:6, 4:12] = image[14:22, 14:16] = 1  # an I and the same I turned
    >>> spectra = shape_spectra(segment(image, preset="published", frequency_mode="raw"))
    >>> bool(np.allclose(spectra[1], spectra[2]))
    True
    """
    from ..dynamics.engines import one_blas_thread

    network = result.network
    labels = grid_labels(result.labels, network.shape)
    with one_blas_thread():  # spin-waiting BLAS threads make small eigenproblems 10x slower
        return _spectra_by_label(network.layer2, labels, n_modes, max_units)


def _spectra_by_label(coupling, labels, n_modes, max_units):
    return {
        int(label): (
            block_spectrum(coupling, labels == label, n_modes=n_modes)
            if np.count_nonzero(labels == label) <= max_units
            else None
        )
        for label in np.unique(labels)
        if label > 0
    }


def reference_spectra(
    coupling, references: Mapping[str, np.ndarray], *, n_modes: int = SHAPE_MODES
) -> dict[str, np.ndarray]:
    """Spectra of reference shapes (boolean masks of any size that fit the grid) in
    ``coupling``, each placed at the grid's corner (the spectrum ignores where)."""
    spectra = {}
    for name, mask in references.items():
        placed = np.zeros(coupling.shape, dtype=bool)
        rows, cols = np.shape(mask)
        if rows > coupling.shape[0] or cols > coupling.shape[1]:
            raise ValueError(
                f"reference {name!r} is {rows} x {cols}, larger than the grid {coupling.shape}"
            )
        placed[:rows, :cols] = mask
        spectra[name] = block_spectrum(coupling, placed, n_modes=n_modes)
    return spectra


def nearest_reference(
    spectrum: np.ndarray | None, references: Mapping[str, np.ndarray], *, tolerance: float
) -> tuple[str | None, float]:
    """The reference nearest to ``spectrum`` (Euclidean over the eigenvalues) and the distance;
    None when there is no spectrum or the nearest is farther than ``tolerance``.

    Examples
    --------
    >>> refs = {"a": np.array([2.0, 1.0]), "b": np.array([1.0, 0.5])}
    >>> nearest_reference(np.array([1.9, 1.0]), refs, tolerance=0.5)
    ('a', 0.1)
    """
    if spectrum is None:
        return None, float("inf")
    distances = {name: float(np.linalg.norm(spectrum - ref)) for name, ref in references.items()}
    name = min(distances, key=distances.get)
    distance = round(distances[name], 12)
    return (name if distance <= tolerance else None), distance


def spectra_record(spectra: Mapping[int, np.ndarray | None]) -> dict:
    """JSON-ready spectra by label: the coupling eigenvalues ``kappa`` (None for a segment too
    large to have one)."""
    return {
        str(label): None if values is None else [round(float(v), 9) for v in values]
        for label, values in spectra.items()
    }


def match_segments(
    result,
    references: Mapping[str, np.ndarray],
    *,
    n_modes: int = SHAPE_MODES,
    tolerance: float | None = None,
) -> dict[int, dict]:
    """Name every segment of ``result`` by the reference shape of nearest spectrum.

    Parameters
    ----------
    result : SegmentationResult
    references : mapping of str to 2-D bool ndarray
        One example mask per shape name, at the scale of the working grid.
    n_modes : int
        Eigenvalues compared.
    tolerance : float, optional
        Largest distance at which a segment is named; by default half the smallest distance
        between two references, so that no segment is within reach of two of them.

    Returns
    -------
    dict of int to dict
        By label: ``name`` (None: no reference near enough, or a segment too large to be a
        shape), ``distance`` and ``spectrum`` (None for a segment too large).

    Examples
    --------
    >>> from wavesegment import segment
    >>> image = np.zeros((24, 24))
    >>> image[3:5, 3:11] = image[12:18, 14:20] = 1
    >>> bar, square = np.ones((2, 8), bool), np.ones((6, 6), bool)
    >>> result = segment(image, frequency_mode="raw")  # 1 is the background
    >>> named = match_segments(result, {"bar": bar, "square": square})
    >>> {label: entry["name"] for label, entry in named.items()}
    {1: None, 2: 'square', 3: 'bar'}
    """
    known = reference_spectra(result.network.layer2, references, n_modes=n_modes)
    if tolerance is None:
        spectra_list = list(known.values())
        gaps = [np.linalg.norm(a - b) for i, a in enumerate(spectra_list) for b in spectra_list[:i]]
        tolerance = 0.5 * min(gaps) if gaps else float("inf")
    named = {}
    for label, spectrum in shape_spectra(result, n_modes=n_modes).items():
        name, distance = nearest_reference(spectrum, known, tolerance=tolerance)
        named[label] = {"name": name, "distance": distance, "spectrum": spectrum}
    return named
