"""A corpus of awkward input files, built in a test's temporary folder.

``build_corpus(folder)`` returns ``{file name: expectation}``: "ok" (segmented), "warn"
(segmented with a warning) or "error" (a one-line error).
"""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

from wavesegment.evaluation.shapes import shapes_image


def shapes_uint8(size: int = 24, seed: int = 0) -> np.ndarray:
    """A shapes image as 8-bit gray (-1 -> 0, +1 -> 255)."""
    image, _ = shapes_image(n_objects=2, size=size, seed=seed)
    return ((image + 1) * 127.5).astype(np.uint8)


def _png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` x ``height`` pixels (valid CRC): a bomb, or a
    large image that is refused before decoding."""
    data = bytearray(_png_bytes(Image.new("L", (1, 1))))
    header = b"IHDR" + struct.pack(">II", width, height) + bytes(data[24:29])
    data[12:29] = header
    data[29:33] = struct.pack(">I", zlib.crc32(header))
    return bytes(data)


def _exif_rotated_jpeg(pixels: np.ndarray) -> bytes:
    """A JPEG stored as ``pixels`` with EXIF orientation 6 (display rotated 90 degrees)."""
    image = Image.fromarray(pixels)
    exif = image.getexif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif, quality=95)
    return buffer.getvalue()


def build_corpus(folder: Path) -> dict[str, str]:
    folder.mkdir(parents=True, exist_ok=True)
    gray = shapes_uint8()
    rgb = np.stack([gray, 255 - gray, gray // 2], axis=-1)
    expectations = {}

    def save(name: str, content, expectation: str) -> None:
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            content.save(path)
        expectations[name] = expectation

    save("zero_bytes.png", b"", "error")
    png = _png_bytes(Image.fromarray(gray))
    save("truncated.png", png[: len(png) // 2], "error")
    jpeg = io.BytesIO()
    Image.fromarray(rgb).save(jpeg, format="JPEG")
    save("truncated.jpg", jpeg.getvalue()[: len(jpeg.getvalue()) // 2], "error")
    save("text.png", b"this is not an image\n", "error")
    (folder / "folder.jpg").mkdir()
    expectations["folder.jpg"] = "error"
    save("bomb.png", png_header_only(100_000, 100_000), "error")
    save("one_pixel.png", Image.fromarray(gray[:1, :1]), "ok")
    save("one_row.png", Image.fromarray(gray[:1]), "ok")
    save("constant.png", Image.fromarray(np.full((16, 16), 7, np.uint8)), "ok")
    save("rgba.png", Image.fromarray(np.dstack([rgb, np.full(gray.shape, 128, np.uint8)])), "ok")
    save("palette.png", Image.fromarray(rgb).convert("P", palette=Image.Palette.ADAPTIVE), "ok")
    save("cmyk.jpg", Image.fromarray(rgb).convert("CMYK"), "ok")
    save("sixteen_bit.png", Image.fromarray(gray.astype(np.uint16) * 257), "ok")
    nan_float = gray.astype(np.float32) / 255
    nan_float[:3, :3] = np.nan
    import tifffile

    tifffile.imwrite(folder / "nan_float.tif", nan_float)
    expectations["nan_float.tif"] = "warn"
    frames = [Image.fromarray(gray), Image.fromarray(255 - gray), Image.fromarray(gray // 2)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:])
    save("animated.gif", buffer.getvalue(), "warn")
    save("exif_rotated.jpg", _exif_rotated_jpeg(rgb[:, :20]), "ok")
    save("ünïcödé 图像.png", Image.fromarray(gray), "ok")
    return expectations


def right_or_below_differs(labels: np.ndarray) -> np.ndarray:
    """Pixels whose right or lower neighbour has another label (where a contour map's values
    sit, in the tests of the merge tree)."""
    edge = np.zeros(labels.shape, dtype=bool)
    edge[:, :-1] |= labels[:, :-1] != labels[:, 1:]
    edge[:-1] |= labels[:-1] != labels[1:]
    return edge
