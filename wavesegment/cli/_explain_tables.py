"""The explanation report of ``wavesegment explain`` as rich tables (see its JSON schema in the
README: "Explaining a segmentation")."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table


def print_explanation(name: str, report: dict) -> None:
    """Print ``report`` (:func:`wavesegment.analysis.explain.explain`) for a person."""
    console = Console()
    image, grid = report["image"], report["grid"]
    console.print(
        f"[bold]{name}[/bold]: {image['cols']}x{image['rows']} px on a {grid['cols']}x"
        f"{grid['rows']} grid, preset {report['parameters']['preset']}, "
        f"{report['n_segments']} segments, R = {report['n_modes']} modes"
    )
    for channel, layer in report["layer1"].items():
        _modes(console, f"layer 1 on {channel}", layer)
        side = layer["side"]
        console.print(
            f"  cut {side['background_units']} units to the background side, "
            f"{side['foreground_units']} to the other; phases vs the top mode alone: max "
            f"{side['top_mode_phase_error']:.2e} rad, vs all modes held "
            f"{side['reconstruction_phase_error']:.2e} rad; top-R side = run's side on "
            f"{100 * side['top_r_side_agreement']:.2f}% of units; = the channel's own "
            f"threshold on {100 * side['side_vs_channel_agreement']:.2f}%"
        )
    if "layer2" in report:
        _layer2(console, report)
    if "linearisation" in report:
        _linearisation(console, report["linearisation"])
    _steps(console, report["steps"])
    _shape_spectra(console, report["shape_spectra"])
    if "confidence" in report:
        confidence = report["confidence"]
        console.print(
            f"  {confidence['samples']} noisy runs (noise {confidence['noise']}): mean agreement "
            f"{confidence['mean_agreement']:.3f}, {100 * confidence['uncertain_fraction']:.1f}% "
            f"of pixels below {confidence['uncertain_below']}"
        )
    if "sensitivity" in report:
        found = report["sensitivity"]
        console.print(
            f"  linear response ({found['probes']} probes): {100 * found['fragile_fraction']:.1f}%"
            f" of pixels would flip under pixel noise below {found['fragile_below']} image std;"
            f" median readout phase response {found['phase_response'] or 0:.3g} rad per image std"
        )


def _modes(console: Console, title: str, layer: dict) -> None:
    table = Table(title=f"{title}: {layer['n_units']} units, {layer['method']} eigensolver")
    for column in ("mode", "growth |lambda|", "rotation arg(lambda)"):
        table.add_column(column, justify="right")
    for mode in layer["modes"]:
        table.add_row(str(mode["mode"]), f"{mode['growth']:.6g}", f"{mode['rotation']:.6f}")
    console.print(table)
    gap = "-" if layer["gap_1_2"] is None else f"{layer['gap_1_2']:.4g}"
    console.print(
        f"  gap |l1|/|l2| {gap}, condition number of the eigenvectors "
        f"{layer['condition_number']:.3g}"
    )


def _layer2(console: Console, report: dict) -> None:
    layer, readout = report["layer2"], report["readout"]
    _modes(console, f"layer 2 ({layer['n_initial_states']} initial states)", layer)
    console.print(
        f"  phases at the last step vs all modes held: max "
        f"{layer['reconstruction_phase_error']:.2e} rad; clusters of the top-R modes vs the "
        f"run's: ARI {layer['top_r_ari']:.4f}"
    )
    console.print(
        f"  readout: steps {readout['window'][0]}..{readout['window'][1]} of "
        f"{readout['n_initial_states']} runs pooled, {readout['n_clusters']} clusters, "
        f"separation in force {readout['cluster_separation']}"
    )
    table = Table(title="phase clusters")
    for column in ("cluster", "units", "dominant mode", "share", "rotation", "margin"):
        table.add_column(column, justify="right")
    for entry in report["clusters"]:
        margin = "-" if entry["margin"] is None else f"{entry['margin']:.2f}"
        table.add_row(
            str(entry["label"]),
            str(entry["n_units"]),
            str(entry["dominant_mode"]),
            f"{entry['dominant_share']:.2f}",
            f"{entry['rotation']:.6f}",
            f"[red]{margin} small[/red]" if entry["flagged"] else margin,
        )
    console.print(table)
    for pair in report["drift"]:
        first, second = pair["clusters"]
        console.print(
            f"  predicted drift {first}-{second} over the readout window: "
            f"{pair['over_window']:+.4f} rad"
        )


def _steps(console: Console, steps: dict) -> None:
    candidates = sum(len(entry["regions"]) for entry in steps["candidates"])
    if candidates:
        console.print(
            f"  after the network: {candidates} candidate regions from "
            f"{len(steps['candidates'])} cluster-and-side combinations, "
            f"{len(steps['absorbed'])} small ones absorbed -> {steps['regions']} regions"
        )
    if "refinement" in steps:
        moved = steps["refinement"]
        console.print(
            f"  refinement moved {moved['pixels_moved']} pixels "
            f"({100 * moved['fraction_moved']:.2f}%)"
        )
    merges = steps["merges"]
    if merges:
        table = Table(title=f"{len(merges)} merges, in order -> {steps['segments']} segments")
        # The colour linkage's parts, or the learned one's log-odds parts (grouping/linkage.py).
        parts = ["size_factor"] if "size_factor" in merges[0] else ["size", "bias"]
        columns = ["#", "regions", "cost", "difference", "edge", *parts, "pixels"]
        for column in columns:
            table.add_column(column.replace("_", " "), justify="right")
        for index, merge in enumerate(merges, start=1):
            table.add_row(
                str(index),
                f"{merge['regions'][0]} + {merge['regions'][1]}",
                *(f"{merge[name]:.3f}" for name in ["cost", "difference", "edge", *parts]),
                f"{merge['pixels'][0]} + {merge['pixels'][1]}",
            )
        console.print(table)
    if steps["necks"]:
        pieces = sum(len(entry["regions"]) for entry in steps["necks"])
        console.print(f"  split_necks cut {len(steps['necks'])} segments into {pieces} pieces")
    boundary = steps["boundary"]
    shares = ", ".join(
        f"{name} {100 * share:.1f}%" for name, share in boundary["fractions"].items()
    )
    console.print(
        f"  final boundary ({boundary['total']} px): {shares}; drawn by the network "
        f"{100 * boundary['drawn_by_network']:.1f}%"
    )


def _shape_spectra(console: Console, spectra: dict) -> None:
    table = Table(title="shape spectra: leading eigenvalues of each segment's layer-2 coupling")
    for column in ("segment", "kappa 1..4"):
        table.add_column(column, justify="right")
    for label, values in spectra.items():
        shown = (
            "too large (background)"
            if values is None
            else "  ".join(f"{value:.4f}" for value in values[:4])
        )
        table.add_row(label, shown)
    console.print(table)


def _linearisation(console: Console, section: dict) -> None:
    """One line per layer: the fixed point the input makes and its slowest modes."""
    for name in ("layer1", "layer2"):
        if name in section:
            layer, point = section[name], section[name]["fixed_point_magnitude"]
            slowest = ", ".join(
                f"|λ| {mode['growth']:.4f} ({mode['relaxation_steps']:.0f} steps)"
                for mode in layer["modes"]
            )
            console.print(
                f"  critical {name}, input {section['input']:g}: fixed point |x*| "
                f"{point['min']:.3g}..{point['max']:.3g}; slowest modes {slowest}"
            )
