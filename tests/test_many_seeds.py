"""`parity run --seeds/--jobs/--ray`, `parity calibrate` and `parity power` on tiny budgets:
every seed's value in the JSON, the equivalence verdict, the same numbers from the pool
and from a single run, Ray tasks on a local Ray instance, mutants caught at levels 2 and 3."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from parity import jobs as pool
from parity import registry, stats

ROOT = Path(__file__).resolve().parents[1]
STEPS = "5"  # series_predictor iterations: seconds per run


def parity_cmd(*args, timeout=1800):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", MPLBACKEND="Agg")
    return subprocess.run([sys.executable, "-m", "parity", *args], capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=timeout)


def one_error_line(proc):
    lines = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    return lines[0]


@pytest.mark.parametrize("args, fragment", [
    (["--seeds", "5-2"], "ends before"),
    (["--seeds", "x"], "expects N, A-B or A,B,C"),
    (["--jobs", "0"], "at least 1"),
    (["--jobs", "many"], "whole number or 'auto'"),
    (["--seeds", "2", "--verbose"], "one run at a time"),
    (["--seeds", "999999999999"], "at most 10,000 seeds"),
    (["--ray", "HEAD"], "expected HOST:PORT"),
])
def test_bad_many_seed_options_exit_2(args, fragment):
    proc = parity_cmd("run", "series_predictor", "--steps", STEPS, *args)
    assert proc.returncode == 2
    assert fragment in one_error_line(proc)


def test_power_rejects_unknown_mutants_and_levels():
    proc = parity_cmd("power", "--mutants", "nope")
    assert proc.returncode == 2 and "unknown mutant(s) nope" in one_error_line(proc)
    proc = parity_cmd("power", "--levels", "4")
    assert proc.returncode == 2 and "--levels" in one_error_line(proc)
    proc = parity_cmd("power", "--seed-sets", "0")
    assert proc.returncode == 2 and "at least 1 (the seeds given are one set)" in one_error_line(proc)
    proc = parity_cmd("power", "--seeds", "2147483640-2147483647", "--seed-sets", "2")
    assert proc.returncode == 2 and "seeds go up to 2147483647" in one_error_line(proc)


def test_an_unreachable_ray_address_is_one_line_at_once():
    """Ray's own connect retries for minutes, one log line a second: an address where nothing
    listens, or a host that does not exist, is refused before Ray is asked."""
    import socket

    with socket.socket() as sock:  # a port nothing listens on once it is closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # (.invalid never resolves, RFC 6761; a resolver that answers anyway leaves the reason open)
    for address, why in ((f"127.0.0.1:{port}", "connection refused"),
                         ("no-such-head.invalid:6379", "")):
        proc = parity_cmd("run", "series_predictor", "--steps", STEPS, "--ray", address,
                          timeout=60)
        assert proc.returncode == 2 and proc.stdout == "", proc.stdout
        line = one_error_line(proc)
        assert f"--ray {address}: no Ray cluster reachable there ({why}" in line, line


def test_rays_log_lines_stay_off_the_terminal_and_other_output_comes_back():
    script = ("import os; from parity import jobs\n"
              "with jobs._without_ray_log_lines():\n"
              "    os.write(2, b'[2026-12-07 12:39:41,474 W 8902 8902] gcs_client.cc:210: Failed\\n')\n"
              "    os.write(2, b'a line of the program\\n')\n")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == "a line of the program\n"


@pytest.fixture(scope="module")
def two_seeds(tmp_path_factory):
    out = tmp_path_factory.mktemp("seeds")
    proc = parity_cmd("all", "--only", "series_predictor", "--steps", STEPS, "--seeds", "2",
                      "--seed", "3", "--jobs", "2", "--out", str(out))
    return proc, json.loads((out / "series_predictor.json").read_text()), out


def test_seeds_json_keeps_every_seed_and_the_verdict(two_seeds):
    proc, data, out = two_seeds
    assert data["seeds"] == [3, 4]
    runs = {r["label"]: r for r in data["runs"]}
    assert set(runs) == {"legacy", "port"}
    for run in runs.values():
        values = [s["value"] for s in run["per_seed"]]
        assert [s["seed"] for s in run["per_seed"]] == [3, 4]
        assert len(set(values)) == 2  # two seeds, two different trainings
        assert run["summary"] == pytest.approx(stats.summary(values))
        assert run["value"] == pytest.approx(run["summary"]["mean"])
        assert all(len(s["loss_history"]) > 0 for s in run["per_seed"])
    par = data["parity"]
    assert par["test"].startswith("equivalence")
    eq = stats.equivalence([s["value"] for s in runs["port"]["per_seed"]],
                           [s["value"] for s in runs["legacy"]["per_seed"]], par["tolerance"])
    assert par["ci"] == pytest.approx(eq["ci"]) and par["ok"] is eq["equivalent"]
    assert proc.returncode == (0 if par["ok"] else 1)
    # the table: per side the mean, std and min-max, and the interval on the port's row
    port_line = next(ln for ln in proc.stdout.splitlines()
                     if ln.split()[:3] == ["series_predictor", "port", "test_mse"])
    assert f"{runs['port']['summary']['std']:.4f}" in port_line
    assert ("equivalent" in port_line) or ("NOT SHOWN" in port_line)
    page = (out / "index.html").read_text()
    assert "two one-sided Welch t-tests" in page and f"{runs['port']['summary']['std']:.4f}" in page


def test_a_seed_from_the_pool_equals_the_same_seed_run_alone(two_seeds, tmp_path):
    _, data, _ = two_seeds
    proc = parity_cmd("run", "series_predictor", "--steps", STEPS, "--seed", "4",
                      "--out", str(tmp_path), "--quiet")
    assert proc.returncode in (0, 1), proc.stderr
    alone = {r["label"]: r for r in json.loads((tmp_path / "series_predictor.json").read_text())["runs"]}
    assert json.loads((tmp_path / "series_predictor.json").read_text())["parity"]["test"].startswith("single seed")
    for run in data["runs"]:
        pooled = next(s for s in run["per_seed"] if s["seed"] == 4)
        # one thread per process in the pool, the default threads alone: same seed, same
        # training (float32 sums may be ordered differently, nothing more)
        assert pooled["value"] == pytest.approx(alone[run["label"]]["value"], rel=1e-4)


def test_thread_limits_reach_the_workers():
    env = pool.worker_env(("port", "jax", False), 1)
    assert env["KERAS_BACKEND"] == "jax" and env["OMP_NUM_THREADS"] == "1"
    assert env["TF_NUM_INTRAOP_THREADS"] == "1" and "intra_op_parallelism_threads=1" in env["XLA_FLAGS"]
    # TensorFlow started with that environment sizes its thread pools by it (its config
    # getters report only what the program set, so count the process's OS threads)
    code = ("import os, tensorflow as tf; x = tf.ones((64, 64)); tf.linalg.matmul(x, x); "
            "print(len(os.listdir('/proc/self/task')))")

    def threads(n):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             env=pool.worker_env(("legacy", "tensorflow", False), n), timeout=600)
        return int(out.stdout.split()[-1])

    assert threads(6) >= threads(1) + 8  # two pools of 6 threads against two of 1


def test_a_containers_cpu_quota_caps_the_cores(tmp_path):
    """A container limited to 2 CPUs by a quota (docker --cpus 2, a Kubernetes limit) sees
    every core of the host in its affinity; --jobs auto and the threads per process must
    follow the quota, or 64 processes spin on 2 CPUs."""
    v2, cg = tmp_path / "v2", tmp_path / "cgroup"
    (v2 / "pod" / "box").mkdir(parents=True)
    (v2 / "cpu.max").write_text("max 100000\n")
    (v2 / "pod" / "cpu.max").write_text("150000 100000\n")  # the tighter, on a parent group
    (v2 / "pod" / "box" / "cpu.max").write_text("400000 100000\n")
    cg.write_text("0::/pod/box\n")
    assert pool.cgroup_cpu_limit(v2, cg) == 1.5
    cg.write_text("0::/\n")
    assert pool.cgroup_cpu_limit(v2, cg) is None  # "max": no quota
    v1 = tmp_path / "v1"
    (v1 / "cpu").mkdir(parents=True)
    (v1 / "cpu" / "cpu.cfs_quota_us").write_text("200000\n")
    (v1 / "cpu" / "cpu.cfs_period_us").write_text("100000\n")
    assert pool.cgroup_cpu_limit(v1, tmp_path / "none") == 2.0
    (v1 / "cpu" / "cpu.cfs_quota_us").write_text("-1\n")  # v1's "no quota"
    assert pool.cgroup_cpu_limit(v1, tmp_path / "none") is None


def test_batches_split_each_process_group_without_losing_a_run():
    jobs = [{"example": "series_predictor", "impl": impl, "seed": s}
            for impl in ("legacy", "port") for s in range(5)]
    work = pool.batches(jobs, 2)
    assert len(work) == 2  # one process per side: two processes for two job slots
    work = pool.batches(jobs, 4)
    assert len(work) == 4
    assert sorted(json.dumps(j, sort_keys=True) for _, b in work for j in b) == \
        sorted(json.dumps(j, sort_keys=True) for j in jobs)
    assert all(len({j["impl"] for j in b}) == 1 for _, b in work)


def test_calibrate_measures_each_side_and_proposes_a_margin(tmp_path):
    proc = parity_cmd("calibrate", "series_predictor", "--steps", STEPS, "--seeds", "3",
                      "--jobs", "2", "--out", str(tmp_path), "--quiet")
    assert proc.returncode == 0, proc.stderr
    data = json.loads((tmp_path / "calibration-series_predictor.json").read_text())
    assert data["steps"] == int(STEPS) and data["machine"]["cores"] >= 1
    for impl in ("legacy", "port"):
        values = list(data["values"][impl].values())
        assert len(values) == 3 and data["sides"][impl] == pytest.approx(stats.summary(values))
    sl, sp = data["sides"]["legacy"]["std"], data["sides"]["port"]["std"]
    assert data["proposed_margin"] == pytest.approx(2.5 * (sl ** 2 + sp ** 2) ** 0.5)
    assert "proposed margin" in proc.stdout
    n = data["recommended_seeds"]  # None: more than 30 would be needed
    assert n is None or n >= 2 and f"equivalent 95% of the time: {n}" in proc.stdout


def test_power_levels_catch_conversion_bugs_and_pass_the_correct_port():
    """Level 2 (transplant outputs) and level 3 (one Adam step), each in its own process:
    the correct conversion passes both; gate order not converted fails level 2; a 10x
    learning rate leaves the outputs alone and fails level 3."""
    from parity import power

    correct = power._levels_subprocess("series_predictor", None, 1)
    assert correct["2"]["detected"] is False and correct["3"]["detected"] is False, correct
    gates = power._levels_subprocess("series_predictor", "gate_order", 1)
    assert gates["2"]["detected"] is True and gates["2"]["max_abs"] > 1e-3, gates
    lr = power._levels_subprocess("series_predictor", "lr_10x", 1)
    assert lr["2"]["detected"] is False and lr["3"]["detected"] is True, lr


def test_the_ray_path_on_a_local_ray_instance():
    pytest.importorskip("ray", reason="the [cluster] extra (Ray) is not installed")
    import tempfile

    jobs = [{"example": "series_predictor", "impl": impl, "steps": int(STEPS), "seed": 1}
            for impl in ("legacy", "port")]
    ray_default = Path(os.environ.get("RAY_TMPDIR", "/tmp"), "ray")
    before = set(ray_default.glob("session_2*")), set(Path(tempfile.gettempdir()).glob("parity-ray-*"))
    results = pool.run_ray(jobs, "local", threads=1, progress=False)
    # the local instance left nothing behind: no session folder of Ray's, none of ours
    after = set(ray_default.glob("session_2*")), set(Path(tempfile.gettempdir()).glob("parity-ray-*"))
    assert after[0] <= before[0] and after[1] <= before[1], (after[0] - before[0], after[1] - before[1])
    assert [r["job"]["impl"] for r in results] == ["legacy", "port"]
    assert all(r["ok"] for r in results), results
    for r in results:
        assert r["result"]["steps"] == int(STEPS) and r["node"]
    port = results[1]["result"]
    assert port["backend"] == "tensorflow"  # KERAS_BACKEND came through the runtime env
    # the same seed gives the same numbers as the local pool
    local = pool.run_parallel(jobs, 1, progress=False, threads=1)
    for a, b in zip(results, local):
        assert a["result"]["value"] == pytest.approx(b["result"]["value"], rel=1e-6)
    assert registry.get("series_predictor").metric == port["metric"]
