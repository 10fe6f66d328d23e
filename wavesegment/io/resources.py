"""How many worker processes a batch may start: bounded by the cores and by the memory."""

from __future__ import annotations

from pathlib import Path

from .single import Request
from .workers import cores

#: Memory of a worker before its first image: Python, numpy, scipy, numba and its kernels.
WORKER_BASE_BYTES = 300_000_000


def worker_count(jobs: int | None, images: list[Path], request: Request) -> int:
    """Workers for ``images``: ``jobs`` (default: the cores), at most the cores and the images,
    and at most as many as the available memory holds when each segments the largest image.

    The largest image is found from the files' headers (:func:`~.images.header_shape`; a
    stack's size is all its voxels, :func:`~.stacks.stack_voxels`); an unreadable header counts
    as ``request.max_pixels``. Always at least 1.

    Examples
    --------
    >>> worker_count(1000, [], Request()) <= cores()
    True
    """
    from .images import available_memory, header_shape, memory_needed
    from .stacks import stack_voxels

    count = min(jobs or cores(), cores(), max(len(images), 1))
    memory = available_memory()
    if memory is None or count == 1:
        return max(count, 1)
    largest = 0
    for image in images:
        pixels = voxels = stack_voxels(image)
        if voxels is None:
            shape = header_shape(image)
            pixels = shape[0] * shape[1] if shape is not None else (request.max_pixels or 0)
        pixels = min(pixels, request.max_pixels or pixels)
        needed = memory_needed(pixels, request.preset, blocks=voxels is None)
        largest = max(largest, needed)
    return max(1, min(count, memory // (WORKER_BASE_BYTES + largest)))
