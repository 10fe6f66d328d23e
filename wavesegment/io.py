"""Reading images and writing results, with errors a user can act on and atomic writes."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np

TIFF_SUFFIXES = (".tif", ".tiff")


class ImageError(ValueError):
    """An input that cannot be segmented; the message is one line meant for the user."""


def read_image(path: str | os.PathLike) -> np.ndarray:
    """Read a PNG, JPEG or TIFF file as a float64 array, grayscale (M, N) or colour (M, N, 3).

    8- and 16-bit, palette, RGBA (alpha dropped) and CMYK files are accepted; JPEG EXIF
    orientation is honoured. Values keep their native scale (0..255, 0..65535, ...).

    Raises
    ------
    ImageError
        If the file is missing, is not a readable image, or has no pixels.
    """
    path = Path(path)
    if not path.exists():
        raise ImageError(f"{path}: no such file")
    if not path.is_file():
        raise ImageError(f"{path}: not a file")
    try:
        if path.suffix.lower() in TIFF_SUFFIXES:
            pixels = _read_tiff(path)
        else:
            pixels = _read_with_pillow(path)
    except ImageError:
        raise
    except Exception as error:  # decoders raise many types; the user needs one line
        raise ImageError(f"{path}: not a readable image ({_first_line(error)})") from None
    if pixels.size == 0:
        raise ImageError(f"{path}: the image has no pixels")
    return pixels


def _first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


def _read_with_pillow(path: Path) -> np.ndarray:
    from PIL import Image, ImageOps

    with Image.open(path) as opened:
        image = ImageOps.exif_transpose(opened)
        if image.mode in ("P", "PA", "CMYK", "YCbCr", "LAB", "HSV", "RGBA", "RGBa"):
            image = image.convert("RGB")
        elif image.mode in ("LA", "La", "1"):
            image = image.convert("L")
        return np.asarray(image, dtype=np.float64)


def _read_tiff(path: Path) -> np.ndarray:
    import tifffile

    pixels = np.asarray(tifffile.imread(path), dtype=np.float64)
    if pixels.ndim == 3 and pixels.shape[2] == 4:
        pixels = pixels[..., :3]
    if pixels.ndim not in (2, 3) or (pixels.ndim == 3 and pixels.shape[2] != 3):
        raise ImageError(f"{path}: expected a 2-D grayscale or RGB image, got shape {pixels.shape}")
    return pixels


@contextmanager
def atomic_path(path: str | os.PathLike):
    """Yield a temporary path beside ``path``; rename it to ``path`` only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(
        prefix=f".{path.stem}-", suffix=path.suffix, dir=path.parent
    )
    os.close(handle)
    try:
        yield Path(temporary)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def write_labels(path: str | os.PathLike, labels: np.ndarray) -> None:
    """Write a label map as a 16-bit grayscale PNG (0 = background), atomically."""
    from PIL import Image

    if labels.max(initial=0) > np.iinfo(np.uint16).max:
        raise ValueError("more than 65535 labels do not fit a 16-bit PNG")
    with atomic_path(path) as temporary:
        Image.fromarray(labels.astype(np.uint16)).save(temporary, format="PNG")


def overlay(image: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """RGB uint8 picture: segment colours blended over the image, with segment boundaries."""
    from skimage.color import label2rgb
    from skimage.segmentation import mark_boundaries

    from .network import to_grayscale

    gray = to_grayscale(image)
    span = np.ptp(gray)
    gray = (gray - gray.min()) / span if span > 0 else np.zeros_like(gray)
    coloured = label2rgb(labels, image=gray, bg_label=0, alpha=0.4, image_alpha=1.0)
    outlined = mark_boundaries(coloured, labels, color=(1.0, 1.0, 0.0), mode="inner")
    return (np.clip(outlined, 0, 1) * 255).round().astype(np.uint8)


def write_overlay(path: str | os.PathLike, image: np.ndarray, labels: np.ndarray) -> None:
    """Write :func:`overlay` as an RGB PNG, atomically."""
    from PIL import Image

    with atomic_path(path) as temporary:
        Image.fromarray(overlay(image, labels)).save(temporary, format="PNG")
