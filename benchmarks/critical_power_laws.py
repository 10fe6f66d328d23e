"""Power laws of the critical dynamics in the input (Chandra & Magnasco, arXiv 2405.13854).

For each constant input I, on the network's own critical map (``dynamics="critical"``):

- fixed point |x*| and relaxation time, measured on the stepped trajectory of one unit
  (``x <- sigma(x + I)``: K_n = 1, no turn), as in the paper's Figure 3;
- propagation length: the steady response of the linearisation about the uniform fixed point
  to a constant extra input at the centre of a row of units (Gaussian sheet of 2 units' width,
  unit-circle normalised), fitted as exp(-distance / length).

The exponents are the slopes of log(quantity) against log(I) between successive inputs, beside
the paper's small-input laws (1/3, -2/3, -1/3). Prints one table.

    python benchmarks/critical_power_laws.py [--units 401]
"""

from __future__ import annotations

import argparse

import numpy as np

from wavesegment.analysis.linearisation import fixed_point, propagation_length
from wavesegment.dynamics.critical import CriticalMap
from wavesegment.network.coupling import GaussianCoupling

INPUTS = (1e-2, 1e-3, 1e-4, 1e-5)
PAPER = {"fixed point": 1 / 3, "relaxation time": -2 / 3, "propagation length": -1 / 3}


def measured_point_and_time(drive: float) -> tuple[float, float]:
    """One unit stepped from 0 for 30 relaxation times of the paper's law."""
    unit = CriticalMap(GaussianCoupling((1, 1), alpha=1, sigma=1), np.zeros((1, 1)), drive)
    n_steps = int(30 / (1.5 * (2 * drive) ** (2 / 3))) + 200
    state, trajectory = np.zeros((1, 1), complex), np.empty(n_steps)
    for step in range(n_steps):
        state = unit(state)
        trajectory[step] = state[0, 0].real
    distance = np.abs(trajectory[-1] - trajectory[:-1])
    late = np.flatnonzero((distance < 1e-4 * trajectory[-1]) & (distance > 1e-11))
    return trajectory[-1], -1.0 / np.polyfit(late, np.log(distance[late]), 1)[0]


def measured_length(drive: float, units: int) -> float:
    row = CriticalMap(
        GaussianCoupling((1, units), alpha=1, sigma=(1.0, 2 / units)),
        np.zeros((1, units)),
        drive,
    )
    return propagation_length(row, fixed_point(row)[0], (0, units // 2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=401, help="units of the row (odd)")
    args = parser.parse_args()
    rows = []
    for drive in INPUTS:
        point, time = measured_point_and_time(drive)
        rows.append((drive, point, time, measured_length(drive, args.units)))
    print("| input I | fixed point | relaxation time (steps) | propagation length (units) |")
    print("|---|---|---|---|")
    for drive, point, time, length in rows:
        print(f"| {drive:g} | {point:.4f} | {time:.1f} | {length:.2f} |")
    values = np.log(np.array(rows))
    print("\n| exponent, between inputs | " + " | ".join(PAPER) + " |")
    print("|---|---|---|---|")
    for first, second, a, b in zip(INPUTS, INPUTS[1:], values, values[1:], strict=False):
        slopes = (b[1:] - a[1:]) / (b[0] - a[0])
        print(f"| {first:g} .. {second:g} | " + " | ".join(f"{s:+.3f}" for s in slopes) + " |")
    print("| paper (I -> 0) | " + " | ".join(f"{s:+.3f}" for s in PAPER.values()) + " |")


if __name__ == "__main__":
    main()
