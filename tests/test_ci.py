""".ci/run runs the README's quick start and then its test command, as written there."""

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _readme_commands() -> list[str]:
    quick_start = (REPO / "README.md").read_text().split("## Quick start", 1)[1].split("\n## ")[0]
    return re.findall(r"```bash\n(.*?)\n```", quick_start, flags=re.DOTALL)


def test_ci_runs_the_readme_commands_in_order():
    install_and_run, install_and_test = _readme_commands()
    ci = (REPO / ".ci" / "run").read_text()
    # The test command's last step, pytest, stands on its own line to read its exit code.
    *checks, pytest = install_and_test.split(" && ")
    lines = [f"{install_and_run} || exit", f"{' && '.join(checks)} || exit", f"{pytest} ||"]
    positions = [ci.find(f"\n{line}") for line in lines]
    assert -1 not in positions, (lines, ci)
    assert positions == sorted(positions)
    assert "wavesegment run" in install_and_run and pytest == ".venv/bin/python -m pytest -q"
