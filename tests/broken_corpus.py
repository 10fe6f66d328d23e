"""A corpus of broken and awkward inputs, built in a folder: files every command must answer
with one ``error:`` line (exit 2), and valid variants that must be read."""

import os
import struct
import zlib
from pathlib import Path

import numpy as np
import tifffile
from PIL import Image

from .corpus import shapes_uint8


def _png_claiming(path: Path, width: int, height: int) -> None:
    """A valid PNG signature and header for a huge image, with no pixel data."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    chunk = b"IHDR" + header
    data = struct.pack(">I", len(header)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    end = struct.pack(">I", 0) + b"IEND" + struct.pack(">I", zlib.crc32(b"IEND"))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + data + end)


def broken_images(folder: Path) -> dict[str, Path]:
    """Image files that cannot be segmented, by kind."""
    folder.mkdir(parents=True, exist_ok=True)
    good = folder / "good.png"
    Image.fromarray(shapes_uint8(32)).save(good)
    files = {
        "empty": folder / "empty.png",
        "garbage": folder / "garbage.png",
        "truncated": folder / "truncated.png",
        "text as jpeg": folder / "text.jpg",
        "fifo": folder / "fifo.png",
        "device": folder / "device.png",
        "symlink loop": folder / "loop.png",
        "dangling symlink": folder / "dangling.png",
        "folder": folder / "folder.png",
        "thin 2x400": folder / "thin.png",
        "huge header": folder / "huge.png",
        "all NaN tiff": folder / "nan.tif",
        "multi-page tiff": folder / "pages.tif",
        "multi-series tiff": folder / "series.tif",
        "4-channel-plus tiff": folder / "channels.tif",
        "volume tiff": folder / "volume.tif",
    }
    files["empty"].write_bytes(b"")
    files["garbage"].write_bytes(os.urandom(2000))
    files["truncated"].write_bytes(good.read_bytes()[:60])
    files["text as jpeg"].write_text("not a picture\n")
    os.mkfifo(files["fifo"])
    files["device"].symlink_to("/dev/zero")
    files["symlink loop"].symlink_to(files["symlink loop"].name)
    files["dangling symlink"].symlink_to(folder / "missing.png")
    files["folder"].mkdir()
    Image.fromarray(np.zeros((2, 400), np.uint8)).save(files["thin 2x400"])
    _png_claiming(files["huge header"], 100_000, 100_000)
    tifffile.imwrite(files["all NaN tiff"], np.full((16, 16), np.nan, np.float32))
    for page in range(3):
        tifffile.imwrite(files["multi-page tiff"], shapes_uint8(24, seed=page), append=True)
    with tifffile.TiffWriter(files["multi-series tiff"]) as tiff:
        tiff.write(shapes_uint8(24))
        tiff.write(shapes_uint8(32))
    tifffile.imwrite(
        files["4-channel-plus tiff"], np.zeros((24, 24, 5), np.uint8), planarconfig="contig"
    )
    tifffile.imwrite(
        files["volume tiff"], np.zeros((4, 24, 24), np.uint8), photometric="minisblack"
    )
    return files


def valid_variants(folder: Path) -> dict[str, Path]:
    """Unusual but valid image files that must be read and segmented."""
    folder.mkdir(parents=True, exist_ok=True)
    gray = shapes_uint8(32)
    rgb = np.stack([gray, 255 - gray, gray // 2], axis=-1)
    files = {
        "planar RGB tiff": folder / "planar.tif",
        "LZW tiff": folder / "lzw.tif",
        "JPEG tiff": folder / "jpeg.tif",
        "extreme values tiff": folder / "extreme.tif",
        "tiny values tiff": folder / "tiny_values.tif",
        "tiny 1x1": folder / "tiny.png",
        "tiny 2x3": folder / "tiny_2x3.png",
    }
    Image.fromarray(np.zeros((1, 1), np.uint8)).save(files["tiny 1x1"])
    Image.fromarray(np.arange(6, dtype=np.uint8).reshape(2, 3) * 40).save(files["tiny 2x3"])
    tifffile.imwrite(
        files["planar RGB tiff"],
        np.moveaxis(rgb, -1, 0),
        photometric="rgb",
        planarconfig="separate",
    )
    tifffile.imwrite(files["LZW tiff"], rgb, photometric="rgb", compression="lzw")
    tifffile.imwrite(files["JPEG tiff"], rgb, photometric="rgb", compression="jpeg")
    tifffile.imwrite(files["extreme values tiff"], gray.astype(np.float64) * 1e305)
    tifffile.imwrite(files["tiny values tiff"], gray.astype(np.float64) * 1e-310)
    return files
