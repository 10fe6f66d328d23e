"""Tetromino images as Jacobs et al. make them, and naming segments by their shape spectra.

The generator reproduces ``data_scripts/create_tetronimoes.py`` of
KempnerInstitute/traveling-waves-integrate call for call, with numpy's legacy generator: 64 x 64
RGB images, black background, 1 to 5 tetrominoes of 7 x 7-pixel cells in a random colour, each
cell's border brightened by half the colour (in uint8 arithmetic, which wraps around as theirs
does), rotated by quarter turns, S/Z and J/L mirrored at random, placed where their bounding
box holds no other tetromino (so shapes may touch). The mask holds the class: 1 I, 2 O, 3 T,
4 S/Z, 5 J/L. Their script seeds 42 and draws 10,000 train, 1,000 val and 1,000 test images in
that order: :func:`tetromino_images` with ``start=11_000`` gives their test images.
"""

from __future__ import annotations

import numpy as np

from ..analysis.shape_spectra import TETROMINO_CELL, TETROMINOES, tetromino_references

#: Class names by mask value (0 background).
CLASSES = ("background", "I", "O", "T", "S/Z", "J/L")
_SIZE = 64
#: Their script's seed, and where its val and test images start in its stream.
DATASET_SEED = 42
SPLITS = {"train": 0, "val": 10_000, "test": 11_000}


def tetromino_images(
    count: int, *, start: int = 0, seed: int = DATASET_SEED
) -> tuple[np.ndarray, np.ndarray]:
    """Images ``start .. start + count - 1`` of the generator's stream.

    Returns
    -------
    images : (count, 64, 64, 3) uint8 ndarray
    masks : (count, 64, 64) int ndarray
        0 background, 1..5 the class of each tetromino's pixels.

    Examples
    --------
    >>> images, masks = tetromino_images(2)
    >>> images.shape, sorted(set(np.unique(masks)) - {0}) != []
    ((2, 64, 64, 3), True)
    """
    rng = np.random.RandomState(seed)
    pairs = [_tetromino_image(rng) for _ in range(start + count)][start:]
    return np.stack([image for image, _ in pairs]), np.stack([mask for _, mask in pairs])


def _tetromino_image(rng: np.random.RandomState) -> tuple[np.ndarray, np.ndarray]:
    image = np.zeros((_SIZE, _SIZE, 3), dtype=np.uint8)
    mask = np.zeros((_SIZE, _SIZE), dtype=int)
    count = rng.randint(1, 6)
    names = list(TETROMINOES) * (count // len(TETROMINOES) + 1)
    rng.shuffle(names)
    for name in names[:count]:
        shape = np.rot90(TETROMINOES[name], rng.choice([0, 1, 2, 3]))
        if name in ("S/Z", "J/L") and rng.rand() < 0.5:
            shape = np.fliplr(shape)
        _place(
            image,
            mask,
            np.kron(shape, np.ones((TETROMINO_CELL, TETROMINO_CELL), dtype=int)),
            name,
            rng,
        )
    return image, mask


def _place(image, mask, cells, name, rng) -> None:
    colour = rng.randint(0, 256, size=3, dtype=np.uint8)
    rows, cols = cells.shape
    while True:  # as theirs: a bounding box that holds no tetromino yet
        top, left = rng.randint(0, _SIZE - rows), rng.randint(0, _SIZE - cols)
        if not mask[top : top + rows, left : left + cols].any():
            break
    box = (slice(top, top + rows), slice(left, left + cols))
    inside = cells == 1
    image[box] = np.where(inside[..., None], colour, image[box])
    border = np.zeros((TETROMINO_CELL, TETROMINO_CELL), dtype=bool)
    border[[0, -1], :] = border[:, [0, -1]] = True
    texture = np.tile(border, (rows // TETROMINO_CELL, cols // TETROMINO_CELL)) & inside
    image[box] = np.where(texture[..., None], image[box] + colour // 2, image[box])  # wraps
    mask[box] = np.where(inside, CLASSES.index(name), mask[box])


def class_map(result, named: dict[int, dict]) -> np.ndarray:
    """Per pixel, the class index (:data:`CLASSES`) of the name of its segment; 0 where the
    segment has no name."""
    lookup = np.zeros(result.labels.max() + 1, dtype=int)
    for label, entry in named.items():
        lookup[label] = CLASSES.index(entry["name"]) if entry["name"] in CLASSES else 0
    return lookup[result.labels]


def evaluate_tetrominoes(count: int, *, start: int = SPLITS["test"], **options) -> dict:
    """Segment ``count`` generated images, name each segment by its shape spectrum, and score.

    Parameters
    ----------
    count : int
        Images ``start .. start + count - 1`` of the generator (default: their test split).
    **options
        Passed to :func:`wavesegment.segment` (preset, seed, readout, ...).

    Returns
    -------
    dict
        ``class_iou``: per class, pooled intersection over union of its pixels (false
        positives on the background count); ``mean_class_iou``; ``shape_accuracy``: the
        fraction of shapes (connected parts of the mask's foreground: touching tetrominoes
        make one, of its most frequent class) whose pixels are mostly given their class;
        ``fg_accuracy`` and ``fg_iou``: Jacobs et al.'s foreground pixel accuracy and IoU
        (``calc_acc``, ``calc_iou`` with ``ignore_class=0``: on the mask's foreground only,
        mean over images); ``oracle_shape_accuracy``: the same naming on the mask's own
        connected parts (no segmentation error); ``seconds`` per image.
    """
    import time

    from scipy import ndimage

    from ..analysis.shape_spectra import match_segments
    from ..segmentation import segment

    images, masks = tetromino_images(count, start=start)
    references = tetromino_references()
    n = len(CLASSES)
    inter, union = np.zeros(n), np.zeros(n)
    named_right = shapes = oracle_right = 0
    fg_acc, fg_iou, seconds = [], [], []
    for image, mask in zip(images, masks, strict=True):
        began = time.perf_counter()
        result = segment(image, **options)
        predicted = class_map(result, match_segments(result, references))
        seconds.append(time.perf_counter() - began)
        for c in range(1, n):
            inter[c] += np.count_nonzero((predicted == c) & (mask == c))
            union[c] += np.count_nonzero((predicted == c) | (mask == c))
        correct = np.count_nonzero((predicted == mask) & (mask > 0))
        wrong = np.count_nonzero(mask > 0) - correct
        fg_acc.append(correct / max(correct + wrong, 1))
        fg_iou.append(correct / max(correct + 2 * wrong, 1))
        parts, n_parts = ndimage.label(mask > 0)
        oracle = _oracle_names(result, parts, n_parts, references)
        for part in range(1, n_parts + 1):
            inside = parts == part
            truth = np.bincount(mask[inside]).argmax()
            shapes += 1
            named_right += np.bincount(predicted[inside], minlength=n).argmax() == truth
            oracle_right += oracle[part] == CLASSES[truth]
    class_iou = {CLASSES[c]: float(inter[c] / union[c]) if union[c] else None for c in range(1, n)}
    return {
        "images": int(count),
        "start": int(start),
        "shapes": int(shapes),
        "class_iou": class_iou,
        "mean_class_iou": float(np.mean([v for v in class_iou.values() if v is not None])),
        "shape_accuracy": named_right / max(shapes, 1),
        "oracle_shape_accuracy": oracle_right / max(shapes, 1),
        "fg_accuracy": float(np.mean(fg_acc)),
        "fg_iou": float(np.mean(fg_iou)),
        "seconds": float(np.median(seconds)),
    }


def _oracle_names(result, parts, n_parts, references) -> dict[int, str | None]:
    """Names of the mask's own connected parts, by the same spectra and tolerance."""
    from dataclasses import replace

    from ..analysis.shape_spectra import match_segments

    named = match_segments(replace(result, labels=parts.astype(np.int32)), references)
    return {part: named.get(part, {"name": None})["name"] for part in range(1, n_parts + 1)}
