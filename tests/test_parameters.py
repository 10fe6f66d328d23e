"""One frozen, validated parameter object; read-only presets; the README's table is theirs."""

import dataclasses
import re
from pathlib import Path

import numpy as np
import pytest

from wavesegment import segment
from wavesegment.parameters import PRESETS, Parameters, preset_table

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.parametrize(
    ("name", "value", "allowed"),
    [
        ("n_modes", 0, "an integer from 1 to 64"),
        ("layer2_sigma", 0, "a finite number above 0"),
        ("layer1_alpha", float("nan"), "a finite number above 0"),
        ("min_region", 2, "at most 0.5"),
        ("max_units", 0, "an integer from 64"),
        ("segments", 100_000, "an integer from 1 to 65535"),
        ("segments", 2.5, "an integer from 1 to 65535"),
        ("n_seeds", True, "an integer from 1"),
        ("readout_steps", (30, 50), "layer1_steps (60) < first <= last"),
        ("readout_steps", (100, 10**9), "<= 100000"),
        ("readout_steps", 5, "a pair"),
        ("volume_readout_steps", (50, 90), "layer1_steps (60) < first <= last"),
        ("volume_readout_steps", "800", "a pair"),
        ("cluster_restarts", 0, "an integer from 1 to 100"),
        ("count_restarts", 1.5, "an integer from 1 to 100"),
        ("coupling", "dense", "one of published, normalised"),
        ("frequency_mode", "log", "one of zscore, raw"),
        ("engine", "gpu", "one of auto, numba, exact"),
        ("colour", "yes", "True or False"),
        ("noise", -1.0, "at least 0"),
        ("seed", -1, "an integer from 0"),
    ],
)
def test_a_bad_value_names_the_parameter_its_value_and_what_is_allowed(name, value, allowed):
    with pytest.raises(ValueError, match=re.escape(allowed)) as raised:
        Parameters.from_preset("natural", **{name: value})
    assert str(raised.value).startswith(f"{name} must be")
    assert repr(value) in str(raised.value) or str(value) in str(raised.value)
    with pytest.raises(ValueError, match=f"^{name} must be"):
        segment(np.zeros((16, 16)), **{name: value})


def test_presets_are_read_only():
    with pytest.raises(TypeError):
        PRESETS["natural"] = PRESETS["published"]  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        PRESETS["natural"].n_seeds = 1  # type: ignore[misc]
    changed = PRESETS["natural"].replace(n_seeds=2)
    assert changed.n_seeds == 2 and PRESETS["natural"].n_seeds == 4
    assert segment(np.zeros((16, 16))).parameters["n_seeds"] == 4


def test_unknown_names_are_refused_and_none_keeps_the_preset():
    with pytest.raises(TypeError, match="not a parameter: colour_space"):
        PRESETS["natural"].replace(colour_space="lab")
    assert PRESETS["published"].replace(n_seeds=None) is PRESETS["published"]
    with pytest.raises(ValueError, match="preset must be one of published, natural"):
        Parameters.from_preset("fancy")


def test_a_volume_runs_with_its_own_readout_window():
    image, volume = np.zeros((16, 16)), np.zeros((6, 8, 8))
    image[4:10, 4:10] = volume[2:5, 2:6, 2:6] = 1
    natural = PRESETS["natural"]
    assert natural.volume_readout_steps != natural.readout_steps
    for array, window in ((image, natural.readout_steps), (volume, natural.volume_readout_steps)):
        result = segment(array)
        assert result.network.parameters.readout_steps == window
        assert result.parameters["readout_steps"] == list(window)
        again = segment(array, parameters=result.network.parameters)  # as it ran, once more
        np.testing.assert_array_equal(result.labels, again.labels)
    published = segment(volume, preset="published", coupling="normalised")
    assert published.network.parameters.readout_steps == PRESETS["published"].readout_steps


def test_a_whole_parameter_set_can_be_run_again():
    image = np.zeros((24, 24))
    image[6:16, 4:14] = 1
    first = segment(image, preset="published", n_seeds=2, seed=3)
    again = segment(image, parameters=first.network.parameters)
    np.testing.assert_array_equal(first.labels, again.labels)
    assert again.parameters == first.parameters


def test_non_finite_pixels_in_an_array_are_refused():
    image = np.zeros((16, 16))
    image[3, 4] = np.nan
    with pytest.raises(ValueError, match="1 NaN or infinite values"):
        segment(image)
    colour = np.zeros((16, 16, 3))
    colour[0, 0, 2] = np.inf
    with pytest.raises(ValueError, match="NaN or infinite"):
        segment(colour)


def test_the_readme_table_is_the_presets():
    assert preset_table() in README.read_text()


def test_the_linkage_is_named_and_its_threshold_is_a_probability():
    assert PRESETS["natural"].merge_linkage == "learned"
    assert PRESETS["published"].merge_linkage == "colour"
    with pytest.raises(ValueError, match="merge_linkage must be one of colour, learned"):
        Parameters.from_preset("natural", merge_linkage="average")
    with pytest.raises(ValueError, match="merge_probability must be a finite number above 0"):
        Parameters.from_preset("natural", merge_probability=1.5)
