"""Reading images, with errors a user can act on."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np

TIFF_SUFFIXES = (".tif", ".tiff")
PILLOW_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp", ".pbm", ".pgm", ".ppm", ".pnm")
#: File suffixes (lower case) of the images :func:`read_image` reads: TIFF with tifffile, the
#: others with Pillow. Batches and datasets pick the images of a folder by these.
IMAGE_SUFFIXES = PILLOW_SUFFIXES + TIFF_SUFFIXES

#: Peak memory of reading and segmenting an image, per pixel, by preset: the peak resident set
#: of ``segment(read_image(path), preset=...)`` in a fresh process (``/usr/bin/time -v``) on
#: 1000 x 1000 and 2000 x 2000 colour PNGs (sample_images/coffee.jpg upscaled), less that of
#: a 32 x 32 one (imports and compiled kernels, about 0.2 GB), divided by the pixel count;
#: the larger of the two figures, rounded up. natural: 137 and 131 bytes (1000, 2000);
#: published: 816 and 760 bytes (most of it the readout window of complex phasors).
BYTES_PER_PIXEL = {"natural": 140, "published": 820}


class ImageError(ValueError):
    """An input that cannot be segmented; the message is one line meant for the user."""


def memory_needed(n_pixels: int, preset: str = "natural") -> int:
    """Bytes that segmenting ``n_pixels`` pixels with ``preset`` takes, imports aside.

    From :data:`BYTES_PER_PIXEL`; a preset not measured there takes the largest figure.

    Examples
    --------
    >>> memory_needed(1_000_000, "published") / 1e9
    0.82
    """
    return n_pixels * BYTES_PER_PIXEL.get(preset, max(BYTES_PER_PIXEL.values()))


def read_image(
    path: str | os.PathLike, *, max_pixels: int | None = None, preset: str = "natural"
) -> np.ndarray:
    """Read an image file as a float64 array, grayscale (M, N) or colour (M, N, 3).

    PNG, JPEG, TIFF, GIF, BMP, WebP and PNM files are read (:data:`IMAGE_SUFFIXES`; the file's
    content decides, not its suffix, except that ``.tif``/``.tiff`` go to tifffile).

    8- and 16-bit, palette, RGBA (alpha dropped) and CMYK files are accepted; JPEG EXIF
    orientation is honoured. Values keep their native scale (0..255, 0..65535, ...).
    Of an animated image the first frame is read, with a warning; NaN or infinite pixels
    (float TIFF) are replaced by the mean of the others, with a warning.

    Parameters
    ----------
    path : str or path-like
    max_pixels : int, optional
        Refuse, from the size in the file's header and before decoding, an image with more
        pixels.
    preset : str
        The preset the image is read for: the error for too many pixels says how much memory
        it would take (:func:`memory_needed`).

    Raises
    ------
    ImageError
        If the file is missing, is not a readable image, has no pixels or too many.

    Examples
    --------
    >>> pixels = read_image("sample_images/coins.png")  # doctest: +SKIP
    """
    path = Path(path)
    if not path.exists():
        raise ImageError(f"{path}: no such file")
    if not path.is_file():
        raise ImageError(f"{path}: not a file")
    try:
        reader = _read_tiff if path.suffix.lower() in TIFF_SUFFIXES else _read_with_pillow
        pixels = reader(path, max_pixels, preset)
    except ImageError:
        raise
    except Exception as error:  # decoders raise many types; the user needs one line
        raise ImageError(f"{path}: not a readable image ({_first_line(error)})") from None
    if pixels.size == 0:
        raise ImageError(f"{path}: the image has no pixels")
    return _fill_non_finite(path, pixels)


def _check_size(path: Path, shape: tuple[int, ...], max_pixels: int | None, preset: str) -> None:
    n_pixels = int(np.prod(shape[:2]))
    if max_pixels is not None and n_pixels > max_pixels:
        raise ImageError(
            f"{path}: {shape[1]}x{shape[0]} pixels would need about "
            f"{memory_needed(n_pixels, preset) / 1e9:.1f} GB with the {preset} preset; the limit "
            f"is {max_pixels} pixels (raise it with --max-pixels)"
        )


def _fill_non_finite(path: Path, pixels: np.ndarray) -> np.ndarray:
    finite = np.isfinite(pixels)
    if finite.all():
        return pixels
    if not finite.any():
        raise ImageError(f"{path}: no pixel has a finite value")
    warnings.warn(
        f"{path}: {np.count_nonzero(~finite)} NaN or infinite values replaced by the mean",
        stacklevel=3,
    )
    return np.where(finite, pixels, pixels[finite].mean())


def _first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


def _read_with_pillow(path: Path, max_pixels: int | None, preset: str) -> np.ndarray:
    from PIL import Image, ImageOps

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            opened = Image.open(path)  # reads the header only
    except Image.DecompressionBombError:
        raise ImageError(
            f"{path}: the header claims more than {2 * Image.MAX_IMAGE_PIXELS} pixels "
            "(a decompression bomb?)"
        ) from None
    with opened:
        _check_size(path, opened.size[::-1], max_pixels, preset)
        if getattr(opened, "n_frames", 1) > 1:
            warnings.warn(
                f"{path}: animated, the first of {opened.n_frames} frames is used", stacklevel=4
            )
        image = ImageOps.exif_transpose(opened)
        if image.mode in ("P", "PA", "CMYK", "YCbCr", "LAB", "HSV", "RGBA", "RGBa"):
            image = image.convert("RGB")
        elif image.mode in ("LA", "La", "1"):
            image = image.convert("L")
        return np.asarray(image, dtype=np.float64)


def _read_tiff(path: Path, max_pixels: int | None, preset: str) -> np.ndarray:
    import tifffile

    with tifffile.TiffFile(path) as tiff:
        shape = tiff.series[0].shape
        size = shape[:2] if shape[-1] in (3, 4) else shape[-2:]
        _check_size(path, size, max_pixels, preset)
        pixels = np.asarray(tiff.asarray(), dtype=np.float64)
    if pixels.ndim == 3 and pixels.shape[2] == 4:
        pixels = pixels[..., :3]
    if pixels.ndim not in (2, 3) or (pixels.ndim == 3 and pixels.shape[2] != 3):
        raise ImageError(f"{path}: expected a 2-D grayscale or RGB image, got shape {pixels.shape}")
    return pixels
