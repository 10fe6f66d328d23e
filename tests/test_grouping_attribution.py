"""boundary_sources: each final boundary pixel goes to the first source whose boundary passes
within the tolerance, on cases whose answer is known pixel for pixel."""

import json

import numpy as np
import pytest

from wavesegment.grouping import boundary_sources


def halves(rows=10, cols=20, at=10):
    labels = np.zeros((rows, cols), dtype=int)
    labels[:, at:] = 1
    return labels


def test_a_boundary_that_a_source_drew_is_all_that_source():
    final = halves()
    found = boundary_sources(final, {"clusters": final.copy()})
    assert found.pixels == {"clusters": 20, "moved by refinement": 0}  # columns 9 and 10
    assert found.fractions == {"clusters": 1.0, "moved by refinement": 0.0}
    assert found.total == 20 and found.tolerance == 1.0


def test_the_first_source_in_order_takes_the_pixels_that_several_drew():
    final = halves()
    found = boundary_sources(final, {"mask": final, "clusters": final}, tolerance=0)
    assert found.pixels == {"mask": 20, "clusters": 0, "moved by refinement": 0}
    found = boundary_sources(final, {"clusters": final, "mask": final}, tolerance=0)
    assert found.pixels == {"clusters": 20, "mask": 0, "moved by refinement": 0}


@pytest.mark.parametrize(
    ("shift", "tolerance", "claimed"),
    [(0, 0, 20), (1, 0, 10), (1, 1, 20), (2, 1, 10), (2, 2, 20), (3, 1, 0), (3, 2.5, 10)],
)
def test_a_moved_boundary_is_claimed_by_the_tolerance(shift, tolerance, claimed):
    # Both sides of a boundary are boundary pixels: moved by d, it keeps the side toward the
    # source within d - 1 of the source's, the other side within d.
    found = boundary_sources(halves(at=10), {"grid": halves(at=10 + shift)}, tolerance=tolerance)
    assert found.pixels == {"grid": claimed, "moved by refinement": 20 - claimed}
    assert found.fractions["grid"] == claimed / 20


def test_a_boundary_no_source_drew_goes_to_the_rest():
    # The source parts left from right; the final labels also cut the right half at row 10.
    source = halves(rows=20, cols=20)
    final = source.copy()
    final[10:, 10:] = 2
    # Vertical: columns 9, 10 (40 pixels); horizontal: rows 9, 10 over columns 11..19 (18 more).
    exact = boundary_sources(final, {"network": source}, tolerance=0, rest="new")
    assert exact.total == 58
    assert exact.pixels == {"network": 40, "new": 18}
    assert exact.fractions["new"] == pytest.approx(18 / 58)
    near = boundary_sources(final, {"network": source}, tolerance=1, rest="new")
    assert near.pixels == {"network": 42, "new": 16}  # column 11 is next to column 10
    diagonal = boundary_sources(final, {"network": source}, tolerance=np.sqrt(2))
    assert diagonal.pixels["network"] == 42


def test_merging_draws_no_boundary():
    # Any relabelling of a source (regions merged) keeps its boundary pixels within the
    # source's: all of them are the source's at tolerance 0.
    rng = np.random.default_rng(0)
    source = np.kron(rng.integers(0, 12, size=(8, 9)), np.ones((5, 4), dtype=int))
    merged = rng.integers(0, 4, size=12)[source]
    found = boundary_sources(merged, {"candidates": source}, tolerance=0)
    assert found.total > 0
    assert found.fractions == {"candidates": 1.0, "moved by refinement": 0.0}


def test_label_zero_is_a_label_like_the_others():
    final = np.zeros((9, 9), dtype=int)
    final[3:6, 3:6] = 4
    found = boundary_sources(final, {"background": final > 0}, tolerance=0)
    assert found.total == 9 + 12 - 1  # the inner 3 x 3 but its centre, the 12 around it
    assert found.fractions["background"] == 1.0


def test_without_a_boundary_all_fractions_are_zero():
    final = np.full((5, 6), 3)
    found = boundary_sources(final, {"a": halves(5, 6, 3), "b": final})
    assert found.total == 0
    assert found.fractions == {"a": 0.0, "b": 0.0, "moved by refinement": 0.0}
    assert boundary_sources(halves(), {"none": np.zeros((10, 20))}).pixels["none"] == 0


def test_the_report_is_json_ready():
    found = boundary_sources(halves(), {"grid": halves(at=13)})
    report = json.loads(json.dumps(found.as_dict()))
    assert report == {
        "fractions": {"grid": 0.0, "moved by refinement": 1.0},
        "pixels": {"grid": 0, "moved by refinement": 20},
        "total": 20,
        "tolerance": 1.0,
        "mode": "thick",
    }


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="shape"):
        boundary_sources(halves(), {"small": halves(5, 5, 2)})
    with pytest.raises(ValueError, match="tolerance"):
        boundary_sources(halves(), {"a": halves()}, tolerance=-1)
    with pytest.raises(ValueError, match="rest"):
        boundary_sources(halves(), {"moved by refinement": halves()})
    with pytest.raises(ValueError, match="2-D"):
        boundary_sources(np.zeros(5), {})
