"""Wall time of the many-seed gate against the single-seed run, measured in one session.

    python -m benchmarks.seeds_wall                      # --quick, 5 seeds, --jobs 2
    python -m benchmarks.seeds_wall --seeds 3 --jobs 2 --only series_predictor mnist_dynamic_rnn

Runs ``parity all --quick [--only ...]`` (one seed, one run at a time) and ``parity all
--quick --seeds N --jobs J`` back to back, in fresh processes, into temporary folders, and
writes ``benchmarks/out/seeds_wall.json`` / ``.md`` (``--out benchmarks/results`` for the
checked-in copy): both wall times, their ratio, the machine and its load average before and after (a loaded machine makes both slower, not
necessarily alike: read the ratio with the load).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from parity import store
from parity.calibrate import machine

ROOT = Path(__file__).resolve().parents[1]


def _timed(args: list[str]) -> tuple[float, int]:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", MPLBACKEND="Agg")
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "parity", *args], cwd=ROOT, env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start, proc.returncode


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--jobs", default="2")
    p.add_argument("--only", nargs="+", default=None)
    p.add_argument("--out", default=str(ROOT / "benchmarks" / "out"),
                   help="where seeds_wall.json/.md go (default: the git-ignored benchmarks/out; "
                        "benchmarks/results holds the checked-in runs)")
    p.add_argument("--name", default="seeds_wall")
    a = p.parse_args(argv)
    only = ["--only", *a.only] if a.only else []
    out = {"machine": machine(), "load_before": os.getloadavg()}
    with tempfile.TemporaryDirectory() as t1, tempfile.TemporaryDirectory() as t2:
        single, rc1 = _timed(["all", "--quick", "--quiet", *only, "--out", t1])
        many, rc2 = _timed(["all", "--quick", "--quiet", *only, "--seeds", str(a.seeds),
                            "--jobs", a.jobs, "--out", t2])
    out.update(load_after=os.getloadavg(), only=a.only, seeds=a.seeds, jobs=a.jobs,
               single_seconds=single, single_rc=rc1, many_seconds=many, many_rc=rc2,
               ratio=many / single)
    Path(a.out).mkdir(parents=True, exist_ok=True)
    store.write_json(Path(a.out, f"{a.name}.json"), out)
    md = (f"| run | wall (s) | exit |\n|---|---|---|\n"
          f"| `parity all --quick` | {single:.0f} | {rc1} |\n"
          f"| `parity all --quick --seeds {a.seeds} --jobs {a.jobs}` | {many:.0f} | {rc2} |\n\n"
          f"ratio {many / single:.2f} (goal: below 5); load average before "
          f"{out['load_before'][0]:.1f}, after {out['load_after'][0]:.1f}; {out['machine']['cpu']}, "
          f"{out['machine']['cores']} cores\n")
    store.write_text(Path(a.out, f"{a.name}.md"), md)
    print(md)
    print(json.dumps({k: out[k] for k in ("single_seconds", "many_seconds", "ratio")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
