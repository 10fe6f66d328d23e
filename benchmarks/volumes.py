"""3-D test volumes with known objects: wavesegment against scikit-image baselines, in one run.

    python benchmarks/volumes.py [--volumes 3] [--side 64] [--noise 0.1 0.3]

Each volume is scikit-image's ``binary_blobs`` in 3-D (objects: its connected parts), blurred
(Gaussian, sd 1 voxel), with Gaussian noise, then sampled every 2nd plane (anisotropic: spacing
2, 1, 1). Methods: wavesegment's natural preset at its default grid and at native resolution
(``max_units`` = the voxel count), both given the spacing; Otsu's threshold with connected parts;
Otsu with a distance-transform watershed. Scores, medians over the volumes: the foreground Dice
(label > 0 against the objects; for wavesegment, whose natural preset labels the background
too, the layer-1 background mask is the background) and the adjusted Rand index of the object
labels on the objects' voxels (``mask``), and seconds. ``--image`` and ``--mask`` measure a
real volume with its ground truth instead, e.g. the 3-D nuclei of the StarDist package
(``stardist/data/images/img3d.tif`` and ``mask3d.tif`` of its wheel).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from scipy import ndimage
from skimage.data import binary_blobs
from skimage.feature import peak_local_max
from skimage.filters import gaussian, threshold_otsu
from skimage.measure import label
from skimage.segmentation import watershed

from wavesegment import segment
from wavesegment.evaluation.metrics import adjusted_rand_index

SPACING = (2.0, 1.0, 1.0)


def make_volume(side: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    blobs = binary_blobs(side, n_dim=3, volume_fraction=0.15, blob_size_fraction=0.15, rng=seed)
    truth = label(blobs)[::2]
    smooth = gaussian(blobs.astype(float), sigma=1)[::2]
    return smooth + np.random.default_rng(seed).normal(scale=noise, size=smooth.shape), truth


def otsu_parts(volume):
    return label(volume > threshold_otsu(volume))


def otsu_watershed(volume, spacing):
    mask = volume > threshold_otsu(volume)
    distance = ndimage.distance_transform_edt(mask, sampling=spacing)
    peaks = peak_local_max(distance, min_distance=3, labels=label(mask))
    markers = np.zeros(mask.shape, dtype=int)
    markers[tuple(peaks.T)] = np.arange(1, len(peaks) + 1)
    return watershed(-distance, markers, mask=mask)


def wave(volume, spacing, **options):
    result = segment(volume, spacing=spacing, spatial_dims=3, **options)
    return np.where(result.background, 0, result.labels)


def scores(method, volumes) -> tuple[float, float, float]:
    """Median Dice, ARI and seconds of ``method`` over (volume, truth) pairs."""
    rows = []
    for volume, truth in volumes:
        started = time.perf_counter()
        labels = method(volume)
        seconds = time.perf_counter() - started
        found, objects = labels > 0, truth > 0
        dice = 2 * np.sum(found & objects) / (found.sum() + objects.sum())
        rows.append((dice, adjusted_rand_index(truth, labels, mask=objects), seconds))
    return tuple(statistics.median(column) for column in zip(*rows, strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--volumes", type=int, default=3)
    parser.add_argument("--side", type=int, default=64)
    parser.add_argument("--noise", type=float, nargs="+", default=[0.1, 0.3])
    parser.add_argument("--image", help="a real 3-D TIFF instead (e.g. StarDist's img3d.tif)")
    parser.add_argument("--mask", help="its ground-truth label TIFF (e.g. mask3d.tif)")
    args = parser.parse_args()
    if args.image:
        import tifffile

        volume, truth = (tifffile.imread(path).astype(float) for path in (args.image, args.mask))
        cases = {"file": [(volume, truth.astype(int))]}
        print(f"{args.image}: {volume.shape}, {len(np.unique(truth)) - 1} objects, no spacing")
    else:
        cases = {
            f"{noise:.2f}": [make_volume(args.side, noise, seed) for seed in range(args.volumes)]
            for noise in args.noise
        }
        shape = f"{args.side // 2}x{args.side}x{args.side}"
        print(f"{args.volumes} volumes of {shape}, spacing {SPACING}, noise sd as given")
    n_voxels = int(np.prod(next(iter(cases.values()))[0][0].shape))
    spacing = None if args.image else SPACING
    methods = {
        "wavesegment natural (grid)": lambda v: wave(v, spacing),
        "wavesegment natural (native)": lambda v: wave(v, spacing, max_units=n_voxels),
        "Otsu + connected parts": otsu_parts,
        "Otsu + watershed": lambda v: otsu_watershed(v, spacing or (1.0, 1.0, 1.0)),
    }
    segment(np.random.default_rng(0).random((8, 8, 8)))  # compile the kernels first
    print(f"{'case':>5s} {'method':30s} {'Dice':>6s} {'ARI':>6s} {'seconds':>8s}")
    for case, volumes in cases.items():
        for name, method in methods.items():
            dice, rand, seconds = scores(method, volumes)
            print(f"{case:>5s} {name:30s} {dice:6.3f} {rand:6.3f} {seconds:8.2f}")


if __name__ == "__main__":
    main()
