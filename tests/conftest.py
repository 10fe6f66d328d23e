import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "sample_images"
REFERENCE = REPO.parent / "shared" / "datasets" / "cvrnn_reference"


def same_partition(a, b):
    """True when two label arrays are equal up to renaming the labels."""
    pairs = np.unique(np.stack([np.ravel(a), np.ravel(b)]), axis=1)
    return len(np.unique(pairs[0])) == len(np.unique(pairs[1])) == pairs.shape[1]


@pytest.fixture
def samples():
    return SAMPLES
