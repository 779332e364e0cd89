"""What a new user meets first: budgets that agree between `parity run` and `parity all`,
no pointers at files a clone lacks, commands that leave tracked files alone, benchmark
output that never shows noise as a measurement, and the CLI's first answers."""

import dataclasses
import fcntl
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import session_cache

from benchmarks import bench, profile_lstm
from parity import cli, plots, plots_airline, registry, report, runner, store

ROOT = Path(__file__).resolve().parents[1]
MODES = ("quick", "default", "full")


def parity_cmd(*args, timeout=300):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", MPLBACKEND="Agg")
    return subprocess.run([sys.executable, "-m", "parity", *args], capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=timeout)


def git(*args):
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.fail("these checks need the git clone (git and the .git folder)")
    return subprocess.run(["git", *args], capture_output=True, text=True, cwd=ROOT)


# --- budgets: one source, the same in `run` and `all` ------------------------------------

@pytest.mark.parametrize("example_id", list(registry.EXAMPLES))
def test_budgets_are_ordered_quick_default_full(example_id):
    e = registry.EXAMPLES[example_id]
    assert registry.budget_problems(e) == []
    q, d, f = (e.steps_for(m) for m in MODES)
    assert 1 <= q <= d <= f


def test_budget_check_catches_a_full_budget_below_the_default():
    e = registry.EXAMPLES["binary_addition_lstm"]
    bad = dataclasses.replace(e, budgets={"quick": 1500, "default": 3000, "full": 1000})
    assert registry.budget_problems(bad) == ["binary_addition_lstm: default 3000 > full 1000"]
    missing = dataclasses.replace(e, budgets={"quick": 1500, "default": 3000})
    assert "full" in registry.budget_problems(missing)[0]


def test_quick_is_shorter_somewhere_and_full_longer_somewhere():
    examples = registry.EXAMPLES.values()
    assert any(e.steps_for("quick") < e.steps_for("default") for e in examples)
    assert any(e.steps_for("default") < e.steps_for("full") for e in examples)


class _Stop(Exception):
    pass


def _steps_chosen(monkeypatch, argv):
    """The steps of each job the command would train ({(example, impl): steps}); stops
    before anything trains."""
    seen = {}

    def fake_run_isolated(jobs, *args, **kwargs):
        seen.update({(j["example"], j["impl"]): j["steps"] for j in jobs})
        raise _Stop

    monkeypatch.setattr(runner, "run_isolated", fake_run_isolated)
    args = cli.build_parser().parse_args(argv)
    with pytest.raises(_Stop):
        cli.COMMANDS[args.command](args)
    return seen


@pytest.mark.parametrize("mode", MODES)
def test_run_and_all_train_the_same_steps_for_the_same_mode(monkeypatch, tmp_path, capsys, mode):
    flag = [] if mode == "default" else [f"--{mode}"]
    from_all = _steps_chosen(monkeypatch, ["all", *flag, "--out", str(tmp_path / "all"), "--quiet"])
    for e in registry.EXAMPLES.values():
        from_run = _steps_chosen(monkeypatch, ["run", e.id, *flag, "--out", str(tmp_path / "run"),
                                               "--quiet"])
        assert from_run, e.id
        for (example, impl), steps in from_run.items():
            assert steps == from_all[(example, impl)] == e.steps_for(mode), (example, impl, mode)
    capsys.readouterr()


def test_list_prints_every_budget():
    proc = parity_cmd("list")
    assert proc.returncode == 0, proc.stderr
    for ln, e in zip(proc.stdout.strip().splitlines(), registry.EXAMPLES.values(), strict=True):
        for mode in MODES:
            assert f"{mode} {e.steps_for(mode):,}" in ln
        assert e.unit in ln


# --- no pointers at files a clone does not have -------------------------------------------

POINTER = r"seeds/[0-9]|SPEC\.md|DESIGN\.md|\.\./shared"


def test_no_file_outside_tests_points_at_the_authors_notes():
    proc = git("grep", "-n", "-I", "--untracked", "-E", POINTER, "--", ".", ":!tests")
    assert proc.returncode == 1, "pointers at files a clone does not have:\n" + proc.stdout


def test_articles_are_cited_by_title_and_the_report_uses_the_citation():
    for e in registry.EXAMPLES.values():
        assert e.article in registry.ARTICLES.values()
        assert not re.search(POINTER, e.article)
    old = {"example": "series_predictor", "article": "seeds/003_series_predictor_tf1.txt"}
    assert report._article(old) == registry.EXAMPLES["series_predictor"].article
    assert "Shukla" in report._article(old)


# --- commands the docs show leave tracked files alone -------------------------------------

def _ignored_and_untracked(path):
    rel = os.path.relpath(Path(ROOT, path).resolve(), ROOT)
    assert not rel.startswith(".."), path
    assert git("check-ignore", "-q", rel).returncode == 0, f"{rel} is not git-ignored"
    assert git("ls-files", "--", rel).stdout == "", f"{rel} is tracked"


def test_default_outputs_are_working_folders():
    out = plots_airline.build_parser().parse_args([]).out
    assert Path(out).parts[0] == "results"
    _ignored_and_untracked(out)
    bench_out = bench.build_parser().parse_args([]).out
    profile_out = profile_lstm.build_parser().parse_args(["mnist_static_rnn"]).out
    for folder in (bench_out, profile_out):
        assert Path(folder) == ROOT / "benchmarks" / "out"
        _ignored_and_untracked(Path(folder, "quick.json"))
    # the checked-in figure and numbers are only written when --out names them
    assert git("ls-files", "--", "docs/airline_forecast.png").stdout.strip()
    assert plots_airline.build_parser().parse_args(
        ["--out", "docs/airline_forecast.png"]).out == "docs/airline_forecast.png"


# --- benchmark output: noise is never a measurement ---------------------------------------

def _s(median, lo=None, hi=None):
    return {"median": median, "min": median if lo is None else lo,
            "max": median if hi is None else hi, "n": 3}


def test_negative_or_empty_timings_are_dashes_with_a_reason():
    assert bench.invalid_reason(_s(1.5, 1.2, 1.9)) is None
    assert "below the timing noise" in bench.invalid_reason(_s(-2.276))
    assert "below the timing noise" in bench.invalid_reason(_s(0.8, -0.1, 1.0))
    assert bench.invalid_reason(None) == "not measured"
    assert bench._fmt(_s(-2.276), 3).startswith("— (invalid")
    assert bench._fmt(_s(1.5, 1.25, 1.75), 2) == "1.50 (1.25–1.75)"
    assert bench.step_text(-2.276).startswith("— ms/step (invalid")
    assert bench.step_text(0.5) == "0.500 ms/step"


def test_invalid_timings_are_never_in_a_ratio_or_the_fastest():
    table = {"ex": {"legacy": {"ms_per_step": _s(2.0)},
                    "port": {"ms_per_step": _s(-2.276, -3.0, 1.0)},
                    "port_jax": {"ms_per_step": _s(1.0)},
                    "torch": {"ms_per_step": _s(0.0)}}}
    assert bench._ratio(table, "ex", "port", "legacy") is None
    assert bench._ratio(table, "ex", "port_jax", "torch") is None
    assert bench._ratio(table, "ex", "port_jax", "legacy") == pytest.approx(0.5)
    assert bench.fastest_port(table, "ex") == ("port_jax", 1.0)
    row = next(ln for ln in bench.fastest_port_table(table) if ln.startswith("| ex |"))
    assert "-2.2" not in row and "-1." not in row and "-4." not in row
    assert "| port_jax | 0.50 |" in row
    only_noise = {"ex": {"legacy": {"ms_per_step": _s(2.0)}, "port": {"ms_per_step": _s(-1.0)}}}
    assert bench.fastest_port(only_noise, "ex") is None


def test_a_share_above_the_whole_step_is_invalid():
    assert profile_lstm.share(0.5, 1.0) == (0.5, None)
    value, why = profile_lstm.share(1.84, 1.0)
    assert value is None and "longer than the whole step" in why
    assert profile_lstm.share_text(1.84, 1.0).startswith("— (invalid")
    assert profile_lstm.share_text(0.25, 1.0) == "25%"
    assert profile_lstm.share(-0.1, 1.0)[0] is None
    assert profile_lstm.share(0.2, 0.0)[0] is None
    assert profile_lstm.share(0.0, 1.0) == (0.0, None)  # no fused kernel at all is a share


def test_profile_with_one_epoch_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        profile_lstm.main(["mnist_static_rnn", "--epochs", "1"])
    assert exc.value.code == 2
    assert "--epochs must be at least 2" in capsys.readouterr().err


# --- the CLI's first answers ---------------------------------------------------------------

def test_parity_alone_prints_the_commands():
    proc = parity_cmd()
    assert proc.returncode == 0, proc.stderr
    for command in cli.COMMANDS:
        assert command in proc.stdout
    assert proc.stderr == ""


def test_version_is_the_project_version():
    version = re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(),
                        re.MULTILINE).group(1)
    proc = parity_cmd("--version")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"parity {version}"


def test_legacy_run_without_a_script_says_error():
    proc = parity_cmd("legacy-run")
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert lines == ["parity legacy-run: error: missing SCRIPT (see parity legacy-run --help)"]
    # the same line as with options but no script
    assert parity_cmd("legacy-run", "--strict").stderr.strip().splitlines() == lines


def test_legacy_run_help_is_plain_text():
    proc = parity_cmd("legacy-run", "--help")
    assert proc.returncode == 0, proc.stderr
    assert "usage:" in proc.stdout and "--figures" in proc.stdout
    assert "``" not in proc.stdout
    assert not re.search(r":(mod|func|data|class):`", proc.stdout)


def test_one_example_is_singular(monkeypatch, tmp_path, capsys):
    _steps_chosen(monkeypatch, ["all", "--only", "series_predictor", "--quick",
                                "--out", str(tmp_path)])
    header = capsys.readouterr().out
    assert "parity all: 1 example, 2 runs," in header


def test_quiet_prints_the_results_only(monkeypatch, tmp_path, capsys):
    """`--quiet`: no header, no progress; the table (and where the results went)."""
    _steps_chosen(monkeypatch, ["all", "--only", "series_predictor", "--quick",
                                "--out", str(tmp_path), "--quiet"])
    out = capsys.readouterr().out
    assert "parity all:" not in out and not out.startswith("\n")


def test_the_report_lock_leaves_nothing_in_the_folder(tmp_path):
    with store.locked(tmp_path):
        fd = os.open(tmp_path, os.O_RDONLY)
        try:  # still exclusive: a second holder is refused while the block runs
            with pytest.raises(BlockingIOError):
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(fd)
    assert list(tmp_path.iterdir()) == []
    index, _ = report.build_from_folder(tmp_path)
    assert not (tmp_path / store.LOCK_NAME).exists()
    assert index.exists()


def test_digit_grid_title_names_only_the_backends_that_ran(monkeypatch, tmp_path):
    titles = []

    def fake_save(fig, path):
        titles.append(fig._suptitle.get_text())
        plots.plt.close(fig)
        return Path(path)

    monkeypatch.setattr(plots, "_save", fake_save)
    preds = {"sample_predictions": [1, 2, 3, 4]}
    payload = {"example": "mnist_static_rnn",
               "runs": [{"impl": "legacy", "extras": preds}, {"impl": "port", "extras": preds}]}
    plots.mnist_grid(payload, tmp_path / "grid.png", n=4)
    assert "L = legacy" in titles[0] and "P = port" in titles[0]
    assert "JAX" not in titles[0] and "PyTorch" not in titles[0]
    payload["runs"].append({"impl": "port", "label": "port[jax]", "extras": preds})
    plots.mnist_grid(payload, tmp_path / "grid.png", n=4)
    assert "PJ = port on JAX" in titles[1] and "PyTorch" not in titles[1]


def test_install_hints_and_download_sentence_match_the_code():
    from tf1_compat import notebook

    assert "pip install -e '.[notebook]'" in notebook.NEEDS
    for page in [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]:
        assert "tf1-lstm-parity[notebook]" not in page.read_text(), page.name
    from datasets import mnist

    assert hasattr(mnist, "IDX_SHA256")  # what download checks
    page = (ROOT / "docs" / "getting-started.md").read_text()  # its "Full MNIST" section
    sentence = page[page.index("`datasets.mnist.download(DIR)`"):][:300]
    assert "SHA-256" in sentence and "IDX headers" not in sentence


# --- the files a project ships ----------------------------------------------------------------

def test_license_changelog_and_readme_facts():
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'license = { text = "MIT" }' in pyproject
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License") and "the tf1-lstm-parity authors" in text
    assert "Permission is hereby granted, free of charge" in text
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert changelog.startswith("# Changelog") and "legacy-run" in changelog
    # the README and its migrating page (the checkpoint recipe lives there now: tests/test_docs.py
    # runs it and checks the README's own facts)
    readme = "\n".join((ROOT / p).read_text() for p in ("README.md", "docs/migrating.md"))
    # how to get a built-in example's TF1 checkpoint for `convert --example`
    assert "checkpoint_path='ckpt/model.ckpt'" in readme
    assert "parity convert ckpt/model.ckpt --example series_predictor" in readme
    assert re.search(r"test suite takes about \d+ minutes on a 2-core", readme)


def test_install_hints_name_a_command_that_works_from_a_clone():
    """The package is not published: `pip install 'tf1-lstm-parity[x]'` cannot work."""
    offenders = []
    for path in [*ROOT.glob("parity/*.py"), *ROOT.glob("tf1_compat/*.py"),
                 *ROOT.glob("tf1_migrate/*.py"), *ROOT.glob("eager_port/*.py")]:
        if "pip install 'tf1-lstm-parity" in path.read_text():
            offenders.append(path.name)
    assert not offenders


def test_a_port_on_pytorch_sets_its_threads_itself():
    """The docs' PyTorch one-liner ran with every OpenMP thread beside TensorFlow's pools,
    ten times slower than the harness (which sets OMP_NUM_THREADS=1): the port sets it."""
    pytest.importorskip("torch", reason="PyTorch is not installed: pip install -e '.[torch]'")
    env = session_cache.fresh_shell_env()  # a user's shell: none of the tests' thread limits
    env.pop("OMP_NUM_THREADS", None)
    env.update(KERAS_BACKEND="torch", PYTHONPATH=str(ROOT))
    code = ("from eager_port import series_predictor; import os, torch; "
            "print(os.environ['OMP_NUM_THREADS'], torch.get_num_threads())")
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-1500:]
    assert proc.stdout.split()[-2:] == ["1", "1"]
    env["OMP_NUM_THREADS"] = "2"  # the user's own setting wins
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=300, cwd=ROOT)
    assert proc.stdout.split()[-2:] == ["2", "2"], proc.stderr[-1500:]


def test_a_temporary_checkpoint_is_not_announced_as_a_place(capsys):
    from eager_port import series_predictor
    from hyperparams import SeriesPredictorConfig

    series_predictor.train(SeriesPredictorConfig(steps=3, log_every=1))
    out = capsys.readouterr().out
    assert "Model saved to a temporary folder" in out and "Model saved to /" not in out
