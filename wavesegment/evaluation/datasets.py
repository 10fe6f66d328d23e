"""Folders of images with ground truth, and generated shapes, as lazily loaded datasets.

Layouts that :func:`open_dataset` recognises, tried in this order:

- BSDS500: ``images/*.jpg`` and ``groundTruth/<stem>.mat`` with every annotator's
  ``Segmentation``.
- Figure-ground masks: ``figure_ground/`` or ``masks/`` beside the images, which are in the
  folder itself or in its ``images/``, ``gray/`` (Weizmann horse) or ``rgb/`` subfolder, first
  found. A mask is the file with the image's stem; its figure is the pixels above 127 (JPEG
  masks are not exactly binary), or above 0 for 0/1 masks. Give ``weizmann_horse/rgb`` to use
  the colour images.
- Label PNGs: the images of the folder that have ``<stem>_labels.png`` beside them (others are
  left out), 0 = background (the format ``wavesegment run`` writes).

An image whose size differs from its ground truth's (Weizmann ``rgb/``) is resized to it,
anti-aliased, so that scores are always taken at the ground truth's resolution.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..io.images import IMAGE_SUFFIXES, ImageError, read_image
from .shapes import shapes_image

MASK_FOLDERS = ("figure_ground", "masks")
IMAGE_FOLDERS = ("images", "gray", "rgb")
# Above this relative difference of aspect ratio an image and its ground truth do not match.
_ASPECT_TOLERANCE = 0.02


@dataclass(frozen=True)
class Sample:
    """One image and its ground truths (one label map per annotator)."""

    name: str
    image: np.ndarray
    truths: list[np.ndarray]


@dataclass(frozen=True)
class Dataset:
    """Named images whose samples load on access.

    ``kind`` says how the ground truth reads: ``"regions"`` (label maps, every label a region),
    ``"objects"`` (label maps, 0 = background, other labels objects) or ``"figure_ground"``
    (one 0/1 mask, 1 = figure).
    """

    name: str
    kind: str
    names: list[str]
    load: Callable[[int], Sample]

    def __len__(self) -> int:
        return len(self.names)

    def __getitem__(self, index: int) -> Sample:
        return self.load(index)


def open_dataset(path: str | Path) -> Dataset:
    """The dataset in folder ``path`` (layouts in the module docstring).

    Raises
    ------
    ImageError
        If the folder is missing, matches no layout, or an image has no ground truth.

    Examples
    --------
    >>> dataset = open_dataset("sample_images")  # doctest: +SKIP
    >>> dataset.kind, len(dataset)  # doctest: +SKIP
    ('objects', 2)
    """
    path = Path(path)
    if not path.is_dir():
        raise ImageError(f"{path}: no such folder")
    path = path.resolve()  # so that "." and "val/" have a name
    if (path / "groundTruth").is_dir() and (path / "images").is_dir():
        return _bsds(path)
    masks = _first_folder(path, MASK_FOLDERS)
    if masks is not None:
        return _figure_ground(_first_folder(path, IMAGE_FOLDERS) or path, masks)
    masks = _first_folder(path.parent, MASK_FOLDERS)
    if masks is not None:
        return _figure_ground(path, masks)
    return _label_pngs(path)


def shapes_dataset(n_objects: int, *, count: int, overlap: bool = False) -> Dataset:
    """``count`` generated images of :func:`wavesegment.evaluation.shapes.shapes_image`,
    seeds 0..count-1.

    Examples
    --------
    >>> dataset = shapes_dataset(2, count=3)
    >>> dataset.names
    ['shapes2-0', 'shapes2-1', 'shapes2-2']
    """
    if count < 1:
        raise ValueError(f"count must be at least 1, got {count}")
    prefix = f"shapes{n_objects}" + ("-overlap" if overlap else "")

    def load(index: int) -> Sample:
        image, labels = shapes_image(n_objects, seed=index, overlap=overlap)
        return Sample(f"{prefix}-{index}", image, [labels])

    shapes_image(n_objects, seed=0, overlap=overlap)  # reject a bad n_objects now
    return Dataset(prefix, "objects", [f"{prefix}-{index}" for index in range(count)], load)


def _first_folder(path: Path, names: tuple[str, ...]) -> Path | None:
    return next((path / name for name in names if (path / name).is_dir()), None)


def _images(folder: Path) -> list[Path]:
    images = sorted(
        file
        for file in folder.iterdir()
        if file.suffix.lower() in IMAGE_SUFFIXES
        and not file.stem.endswith(("_labels", "_overlay"))
        and not file.name.startswith(".")
    )
    if not images:
        raise ImageError(f"{folder}: no images")
    return images


def _matching(images: list[Path], truth_of: Callable[[Path], Path | None]) -> list[Path]:
    truths = [truth_of(image) for image in images]
    missing = [image.name for image, truth in zip(images, truths, strict=True) if truth is None]
    if missing:
        raise ImageError(f"no ground truth for {missing[0]} ({len(missing)} images in all)")
    return truths


def _bsds(path: Path) -> Dataset:
    images = _images(path / "images")

    def mat_file(image: Path) -> Path | None:
        candidate = path / "groundTruth" / f"{image.stem}.mat"
        return candidate if candidate.is_file() else None

    truths = _matching(images, mat_file)

    def load(index: int) -> Sample:
        return _sample(images[index], _read_bsds_truth(truths[index]))

    return _dataset(f"{path.parent.name}/{path.name}", "regions", images, load)


def _read_bsds_truth(path: Path) -> list[np.ndarray]:
    """Every annotator's ``Segmentation`` of a BSDS500 ``.mat`` file, 2-D integer label maps."""
    from scipy.io import loadmat

    try:
        annotations = loadmat(path)["groundTruth"]
        labels = [
            np.asarray(annotations[0, j]["Segmentation"][0, 0]) for j in range(annotations.shape[1])
        ]
    except Exception as error:  # scipy raises many types for a damaged file
        raise ImageError(
            f"{path}: not a BSDS500 ground truth file (a groundTruth cell of Segmentation "
            f"label maps): {type(error).__name__}: {(str(error).splitlines() or [''])[0]}"
        ) from None
    if not labels or any(label.ndim != 2 or label.dtype.kind not in "uif" for label in labels):
        raise ImageError(f"{path}: a Segmentation is not a 2-D label map; replace the file")
    return [label.astype(np.int32) for label in labels]


def _figure_ground(image_folder: Path, mask_folder: Path) -> Dataset:
    images = _images(image_folder)
    masks_by_stem = {mask.stem: mask for mask in _images(mask_folder)}
    masks = _matching(images, lambda image: masks_by_stem.get(image.stem))

    def load(index: int) -> Sample:
        values = read_image(masks[index])
        if values.ndim == 3:
            values = values.max(axis=2)
        figure = values > (127 if values.max() > 1 else 0)
        return _sample(images[index], [figure.astype(np.int32)])

    name = image_folder.parent.name if image_folder.name in IMAGE_FOLDERS else image_folder.name
    return _dataset(name, "figure_ground", images, load)


def _label_pngs(path: Path) -> Dataset:
    images = [
        image for image in _images(path) if image.with_name(f"{image.stem}_labels.png").is_file()
    ]
    if not images:
        raise ImageError(f"{path}: no ground truth (no BSDS500 layout, masks or IMAGE_labels.png)")

    def load(index: int) -> Sample:
        labels_path = images[index].with_name(f"{images[index].stem}_labels.png")
        labels = read_image(labels_path)
        if labels.ndim != 2:
            raise ImageError(f"{labels_path}: a label image must be single-channel")
        return _sample(images[index], [labels.astype(np.int32)])

    return _dataset(path.name, "objects", images, load)


def _dataset(name: str, kind: str, images: list[Path], load: Callable[[int], Sample]) -> Dataset:
    return Dataset(name, kind, [image.stem for image in images], load)


def _sample(image_path: Path, truths: list[np.ndarray]) -> Sample:
    image = read_image(image_path)
    shape = truths[0].shape
    if any(truth.shape != shape for truth in truths) or min(shape) == 0:
        raise ImageError(f"{image_path}: its ground truths differ in size or are empty")
    if image.shape[:2] != shape:
        aspects = image.shape[0] / image.shape[1], shape[0] / shape[1]
        if abs(aspects[0] / aspects[1] - 1) > _ASPECT_TOLERANCE:
            raise ImageError(
                f"{image_path}: image is {image.shape[1]}x{image.shape[0]}, its ground truth "
                f"{shape[1]}x{shape[0]}"
            )
        from skimage.transform import resize

        image = resize(image, shape + image.shape[2:], anti_aliasing=True, preserve_range=True)
    return Sample(image_path.stem, image, truths)
