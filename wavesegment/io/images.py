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
#: of ``segment(read_image(path, keep_integers=True), preset=...)`` in a fresh process
#: (``/usr/bin/time -v``) on colour PNGs (sample_images/coffee.jpg resized), less that of a
#: 32 x 32 one (imports, about 0.08 GB), divided by the pixel count, rounded up. published: 816
#: and 760 bytes at 1 and 4 MP (most of it the readout window of complex phasors); natural:
#: 148 bytes at 0.5 MP, where the grouping still runs at the image's size.
BYTES_PER_PIXEL = {"natural": 150, "published": 820}
#: What each pixel of a 2-D image adds with the natural preset above
#: :data:`~wavesegment.preparation.image.GROUPING_PIXELS`, where the grouping runs on blocks of
#: at most that many: 48, 106 and 305 MB above a 32 x 32 run at 1, 4 and 16 MP (measured as
#: above) are under 0.5 MP x 150 bytes + 16 bytes a pixel.
NATURAL_BYTES_PER_LARGE_PIXEL = 16


class ImageError(ValueError):
    """An input that cannot be segmented; the message is one line meant for the user."""


def memory_needed(n_pixels: int, preset: str = "natural", *, blocks: bool = True) -> int:
    """Bytes that segmenting ``n_pixels`` pixels with ``preset`` takes, imports aside.

    From :data:`BYTES_PER_PIXEL`; a preset not measured there takes the largest figure. A 2-D
    image of the natural preset is grouped on blocks above ``GROUPING_PIXELS``, where each
    further pixel adds :data:`NATURAL_BYTES_PER_LARGE_PIXEL`; ``blocks=False`` (a volume,
    grouped at its own size) counts every voxel at the full figure.

    Examples
    --------
    >>> memory_needed(1_000_000, "published") / 1e9
    0.82
    >>> memory_needed(16_000_000) / 1e9, memory_needed(16_000_000, blocks=False) / 1e9
    (0.331, 2.4)
    """
    from ..preparation.image import GROUPING_PIXELS

    per_pixel = BYTES_PER_PIXEL.get(preset, max(BYTES_PER_PIXEL.values()))
    if preset != "natural" or not blocks:
        return n_pixels * per_pixel
    grouped = min(n_pixels, GROUPING_PIXELS)
    return grouped * per_pixel + n_pixels * NATURAL_BYTES_PER_LARGE_PIXEL


def available_memory() -> int | None:
    """Bytes of memory available to new processes (Linux ``MemAvailable``), or None if unknown.

    Examples
    --------
    >>> available_memory() is None or available_memory() > 0
    True
    """
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def read_image(
    path: str | os.PathLike,
    *,
    max_pixels: int | None = None,
    preset: str = "natural",
    keep_integers: bool = False,
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
    keep_integers : bool
        Return an image of integers (PNG, JPEG, ... read by Pillow) as they are (uint8,
        uint16, ...): the same values in an eighth of the memory for 8 bits.

    Raises
    ------
    ImageError
        If the file is missing, is not a readable image, has no pixels or too many.

    Examples
    --------
    >>> pixels = read_image("sample_images/coins.png")  # doctest: +SKIP
    """
    path = Path(path)
    if path.is_symlink() and not path.exists():
        raise ImageError(f"{path}: a broken symbolic link or a link loop; point it at an image")
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
    if keep_integers and pixels.dtype.kind in "ui":  # finite, and never extreme
        return pixels
    pixels = np.asarray(pixels, dtype=np.float64)
    return _rescale_extreme(path, _fill_non_finite(path, pixels))


def header_shape(path: str | os.PathLike) -> tuple[int, int] | None:
    """(height, width) from an image file's header, without decoding; None if unreadable.

    Examples
    --------
    >>> header_shape("no such file.png") is None
    True
    """
    try:
        path = Path(path)
        if not path.is_file():
            return None
        if path.suffix.lower() in TIFF_SUFFIXES:
            import tifffile

            with tifffile.TiffFile(path) as tiff:
                return _tiff_plane(tiff.series[0])[:2]
        from PIL import Image

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as opened:
                return opened.size[::-1]
    except Exception:  # any decoder error: the size is unknown
        return None


def quiet_decoder_warnings() -> None:
    """Keep tifffile's logged messages about damaged files off stderr: a command reports each
    unreadable file in one ``error:`` line of its own (called by the command line and in each
    batch worker; a library caller's logging stays as it set it)."""
    import logging

    logging.getLogger("tifffile").setLevel(logging.CRITICAL)


def refuse_pages(path: Path, pages: int) -> None:
    """Refuse an image of several pages (a stack, a volume, a time series): one line saying how
    to segment it."""
    if pages > 1:
        raise ImageError(
            f"{path}: a multi-page TIFF ({pages} pages): `wavesegment run` and `batch` segment "
            "a stack of equal grayscale pages (--stack volume|frames); otherwise save each page "
            "as its own file (e.g. with tifffile or Fiji) and segment those"
        )


#: Pixel values whose magnitude is beyond these (or 0 < magnitude below the second) are scaled
#: by a power of two first: squares of such values overflow or underflow in float64.
_EXTREME = (1e100, 1e-100)


def _rescale_extreme(path: Path, pixels: np.ndarray) -> np.ndarray:
    largest = float(np.abs(pixels).max())
    if _EXTREME[1] <= largest <= _EXTREME[0] or largest == 0:
        return pixels
    exponent = np.frexp(largest)[1]  # exact: the values keep their digits
    warnings.warn(
        f"{path}: values as large as {largest:.3g} scaled by 2**{-exponent} "
        "(too large or too small for float arithmetic)",
        stacklevel=3,
    )
    return np.ldexp(pixels, -exponent)


def _check_size(path: Path, shape: tuple[int, ...], max_pixels: int | None, preset: str) -> None:
    from ..preparation.image import MAX_ASPECT

    n_pixels = int(np.prod(shape[:2]))
    if min(shape[:2]) > 0 and max(shape[:2]) > MAX_ASPECT * min(shape[:2]):
        raise ImageError(
            f"{path}: {shape[1]}x{shape[0]} pixels is more than {MAX_ASPECT} times longer than "
            "wide; crop or pad it to a less elongated shape"
        )
    if max_pixels is not None and n_pixels > max_pixels:
        raise ImageError(
            f"{path}: {shape[1]}x{shape[0]} pixels would need about "
            f"{memory_needed(n_pixels, preset) / 1e9:.1f} GB with the {preset} preset; the limit "
            f"is {max_pixels} pixels (raise it with --max-pixels)"
        )
    needed, available = memory_needed(n_pixels, preset), available_memory()
    if available is not None and needed > available:
        raise ImageError(
            f"{path}: {shape[1]}x{shape[0]} pixels would need about {needed / 1e9:.1f} GB with "
            f"the {preset} preset; {available / 1e9:.1f} GB of memory is available"
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
        ImageOps.exif_transpose(opened, in_place=True)  # not a copy (48 MB at 16 MP)
        image = opened
        if image.mode in ("P", "PA", "CMYK", "YCbCr", "LAB", "HSV", "RGBA", "RGBa"):
            image = image.convert("RGB")
        elif image.mode in ("LA", "La", "1"):
            image = image.convert("L")
        return np.asarray(image)


def _read_tiff(path: Path, max_pixels: int | None, preset: str) -> np.ndarray:
    import tifffile

    with tifffile.TiffFile(path) as tiff:
        refuse_pages(path, max(len(tiff.pages), len(tiff.series)))
        series = tiff.series[0]
        try:
            height, width, channels = _tiff_plane(series)
        except ImageError as error:
            raise ImageError(f"{path}: {error}") from None
        _check_size(path, (height, width), max_pixels, preset)
        try:
            pixels = series.asarray()
        except ValueError as error:
            if "imagecodecs" in str(error):  # a compression tifffile cannot decode alone
                raise ImageError(
                    f"{path}: compressed as {series.keyframe.compression.name}, which needs "
                    "the imagecodecs package: pip install imagecodecs"
                ) from None
            raise
    pixels = np.asarray(pixels, dtype=np.float64).reshape(height, width, -1)
    if series.axes[-1] not in "S" and channels > 1:  # planar: samples before the rows
        pixels = np.moveaxis(pixels.reshape(channels, height, width), 0, -1)
    if pixels.shape[2] == 4:
        pixels = pixels[..., :3]
    if pixels.shape[2] not in (1, 3):
        raise ImageError(
            f"{path}: expected a grayscale or RGB image, got {pixels.shape[2]} channels"
        )
    return pixels[..., 0] if pixels.shape[2] == 1 else pixels


def _tiff_plane(series) -> tuple[int, int, int]:
    """Height, width and channels of a TIFF series (samples last, or planar first)."""
    axes, shape = series.axes, series.shape
    sizes = dict(zip(axes, shape, strict=True))
    extra = [axis for axis in axes if axis not in "YXSC" and sizes[axis] > 1]
    if extra or "Y" not in sizes or "X" not in sizes:
        raise ImageError(f"a TIFF of axes {axes} and shape {shape} is not one 2-D image")
    return sizes["Y"], sizes["X"], sizes.get("S", 1) * sizes.get("C", 1)
