"""3-D test volumes with known objects: wavesegment against scikit-image baselines, in one run.

    python benchmarks/volumes.py [--volumes 3] [--first-seed 0] [--side 64] [--noise 0.1 0.3]
                                 [--split-necks 1.5] [--native]

Each volume is scikit-image's ``binary_blobs`` in 3-D (objects: its connected parts), blurred
(Gaussian, sd 1 voxel), with Gaussian noise, then sampled every 2nd plane (anisotropic: spacing
2, 1, 1); volumes ``first-seed, first-seed + 1, ...``, so that parameters tuned on some seeds
are reported on others. Methods: wavesegment's natural preset at its default grid, as it is and
with each ``split_necks`` given (each segment's foreground cut at its necks, see
``wavesegment.grouping.necks``), and with ``--native`` at native resolution (``max_units`` =
the voxel count), all given the spacing; Otsu's threshold with connected parts; Otsu with a
distance-transform watershed seeded by ``peak_local_max``; Otsu cut at its necks by the same
step as wavesegment's (``split_at_necks``), so that the mask and the cut are compared apart.
Scores, medians over the volumes: the foreground Dice (label > 0 against the objects; for
wavesegment, whose natural preset labels the background too, the layer-1 background mask is
the background), the adjusted Rand index of the object labels on the objects' voxels (which
only scores how the objects are told apart: one label for all objects scores 0 whatever the
foreground), the ARI on all voxels (background one more object), and seconds. ``--image``
and ``--mask`` measure a real volume (or 2-D image) with its ground truth instead, e.g. the 3-D
nuclei of the StarDist package (``stardist/data/images/img3d.tif`` and ``mask3d.tif`` of its
wheel; ``img2d.tif`` and ``mask2d.tif``: 2-D nuclei). ``split_necks`` 1.5 was tuned on volumes
0-2 (noise 0.1 and 0.3), the README reports volumes 3-7.
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
from wavesegment.grouping.necks import split_at_necks

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


def otsu_necks(volume, spacing, depth):
    mask = volume > threshold_otsu(volume)
    return split_at_necks(mask.astype(int), mask, depth=depth, spacing=spacing)


def wave(volume, spacing, **options):
    result = segment(volume, spacing=spacing, spatial_dims=volume.ndim, **options)
    return np.where(result.background, 0, result.labels)


def scores(method, volumes) -> tuple[float, ...]:
    """Median Dice, ARI on the objects, ARI on all voxels and seconds of ``method`` over
    (volume, truth) pairs."""
    rows = []
    for volume, truth in volumes:
        started = time.perf_counter()
        labels = method(volume)
        seconds = time.perf_counter() - started
        found, objects = labels > 0, truth > 0
        dice = 2 * np.sum(found & objects) / (found.sum() + objects.sum())
        on_objects = adjusted_rand_index(truth, labels, mask=objects)
        rows.append((dice, on_objects, adjusted_rand_index(truth, labels), seconds))
    return tuple(statistics.median(column) for column in zip(*rows, strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--volumes", type=int, default=3)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--side", type=int, default=64)
    parser.add_argument("--noise", type=float, nargs="+", default=[0.1, 0.3])
    parser.add_argument("--split-necks", type=float, nargs="*", default=[1.5])
    parser.add_argument("--native", action="store_true", help="also at native resolution")
    parser.add_argument("--image", help="a real TIFF (e.g. StarDist's img3d.tif, img2d.tif)")
    parser.add_argument("--mask", help="its ground-truth label TIFF (e.g. mask3d.tif, mask2d.tif)")
    args = parser.parse_args()
    if args.image:
        import tifffile

        volume, truth = (tifffile.imread(path).astype(float) for path in (args.image, args.mask))
        cases = {"file": [(volume, truth.astype(int))]}
        print(f"{args.image}: {volume.shape}, {len(np.unique(truth)) - 1} objects, no spacing")
    else:
        seeds = range(args.first_seed, args.first_seed + args.volumes)
        cases = {
            f"{noise:.2f}": [make_volume(args.side, noise, seed) for seed in seeds]
            for noise in args.noise
        }
        shape = f"{args.side // 2}x{args.side}x{args.side}"
        print(f"volumes {list(seeds)} of {shape}, spacing {SPACING}, noise sd as given")
    n_voxels = int(np.prod(next(iter(cases.values()))[0][0].shape))
    spacing = None if args.image else SPACING
    sampling = spacing or (1.0,) * next(iter(cases.values()))[0][0].ndim
    methods = {"wavesegment natural (grid)": lambda v: wave(v, spacing)}
    for depth in args.split_necks:
        methods[f"  + split_necks={depth:g}"] = lambda v, d=depth: wave(v, spacing, split_necks=d)
    if args.native:
        methods["wavesegment natural (native)"] = lambda v: wave(v, spacing, max_units=n_voxels)
    methods["Otsu + connected parts"] = otsu_parts
    methods["Otsu + watershed"] = lambda v: otsu_watershed(v, sampling)
    for depth in args.split_necks:
        methods[f"Otsu + split_at_necks({depth:g})"] = lambda v, d=depth: otsu_necks(v, sampling, d)
    segment(np.random.default_rng(0).random((8, 8, 8)))  # compile the kernels first
    print(
        f"{'case':>5s} {'method':30s} {'Dice':>6s} {'ARI obj':>7s} {'ARI all':>7s} {'seconds':>8s}"
    )
    for case, volumes in cases.items():
        for name, method in methods.items():
            dice, rand, rand_all, seconds = scores(method, volumes)
            print(f"{case:>5s} {name:30s} {dice:7.3f} {rand:7.3f} {rand_all:7.3f} {seconds:7.2f}")


if __name__ == "__main__":
    main()
