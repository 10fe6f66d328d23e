"""Regenerate the bundled sample images: `python sample_images/make_samples.py`."""

from pathlib import Path

import numpy as np
from PIL import Image
from skimage import data

from wavesegment.evaluation.shapes import shapes_image

here = Path(__file__).parent
for name, n_objects, seed in [("two_shapes", 2, 1), ("three_shapes", 3, 0)]:
    image, labels = shapes_image(n_objects, seed=seed)
    Image.fromarray(((image > 0) * 255).astype(np.uint8)).save(here / f"{name}.png")
    Image.fromarray(labels.astype(np.uint8)).save(here / f"{name}_labels.png")
Image.fromarray(data.coins()).save(here / "coins.png")
Image.fromarray(data.coffee()).save(here / "coffee.jpg", quality=90)
