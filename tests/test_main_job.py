"""The main job, `parity all --quick`, as a user runs it: a quiet terminal, the same numbers
on a second run, and a report that lists every result in the folder.

One run into ``one/``; then the same budget as two concurrent ``parity all --only`` runs
into one folder ``two/``. Every implementation of all seven examples must give
bit-identical metrics and loss histories in both (same seed, same machine), and the
index of ``two/`` must list the results of both concurrent runs. About twice the time of
``parity all --quick`` (the suite's longest test, by design).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import session_cache

from parity import registry
from tf1_compat.quiet import is_noise

pytestmark = [pytest.mark.legacy, pytest.mark.port]

ROOT = Path(__file__).resolve().parents[1]
IDS = list(registry.EXAMPLES)
TIMING = {"seconds", "steps_per_second", "wall_seconds", "versions"}


def _start(*args):
    return subprocess.Popen([sys.executable, "-m", "parity", "all", "--quick", *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            cwd=ROOT, env=session_cache.fresh_shell_env())


ALLOWED = [
    re.compile(r"^parity all: \d+ examples, \d+ runs, budget 'quick', (port on [a-z, ]+, )?output in .*/$"),
    # one progress line per run
    re.compile(r"^\w+ (legacy|port|numpy|torch): \d+ (steps|iterations|epochs) \.\.\. "
               r"(\w+ -?[\d.]+(e-?\d+)? \([\d.]+ s\)|failed: .*)$"),
    re.compile(r"^example +impl +metric +value .*parity$"),  # the table
    re.compile(rf"^({'|'.join(IDS)}) +(legacy|port|numpy|torch) +\w+ +"),
    re.compile(r"^report: .*index\.html$"),
    re.compile(r"^parity: \w+: legacy vs port differ by .*\(tolerance .*\)$"),
]


def _check_quiet(output: str) -> None:
    assert "\x1b[" not in output  # no colour codes into a pipe
    for line in output.splitlines():
        if not line.strip():
            continue
        assert not is_noise(line.encode()), f"TensorFlow start-up line: {line!r}"
        assert "deprecat" not in line.lower() and "Instructions for updating" not in line, line
        assert "Traceback" not in line and not re.search(r"\bEpoch\b|ETA|loss:", line), line
        assert any(p.match(line) for p in ALLOWED), f"unexpected line: {line!r}"


def _runs(folder: Path) -> dict:
    out = {}
    for eid in IDS:
        payload = json.loads((folder / f"{eid}.json").read_text())
        assert payload["errors"] == {}, payload["errors"]
        for run in payload["runs"]:
            out[(eid, run["impl"])] = {k: v for k, v in run.items() if k not in TIMING}
    return out


def test_parity_all_quick_is_quiet_deterministic_and_reports_every_result(tmp_path):
    # one: once per test session (tests/session_cache.py), where test_migrate_builtin.py
    # reads the hand-written ports' metrics too
    returncode, output, one = session_cache.main_job()
    two = tmp_path / "two"
    assert returncode in (0, 1), output
    _check_quiet(output)
    assert sum(bool(ALLOWED[1].match(ln)) for ln in output.splitlines()) >= 15  # progress shown

    halves = [_start("--only", *IDS[:4], "--out", two), _start("--only", *IDS[4:], "--out", two)]
    for proc in halves:
        out, _ = proc.communicate(timeout=2400)
        assert proc.returncode in (0, 1), out
        _check_quiet(out)

    # the report of two/ lists the results of both concurrent runs
    page = (two / "index.html").read_text()
    for eid in IDS:
        assert f"<h2 id='{eid}'>" in page, eid

    # same seed, same machine: bit-identical metrics, loss histories and outputs
    runs_one, runs_two = _runs(one), _runs(two)
    assert runs_one.keys() == runs_two.keys()
    assert len(runs_one) >= 15  # 16 with PyTorch installed
    for key, run in runs_one.items():
        assert run["loss_history"], key
        assert json.dumps(run, sort_keys=True) == json.dumps(runs_two[key], sort_keys=True), key
