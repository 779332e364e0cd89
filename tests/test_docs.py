"""The README and the documentation site stay true to the software.

- The README is short (at most 150 lines), its set-up lines are the ones CI runs, and every
  file it links to exists.
- ``mkdocs build --strict`` builds the site from docs/ (no broken link, no page left out of
  the navigation, every included file present, the Python API from the docstrings).
- Every shell block of README.md and docs/*.md says whether it is runnable: an HTML comment
  ``<!-- runnable -->`` or ``<!-- not runnable: REASON -->`` on the line before the fence
  (CONTRIBUTING.md, "Commands in the docs"). The runnable ones run, each page's blocks in
  order in one scratch folder that sees the clone's files, and must exit 0.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", ROOT / "MIGRATION.md",
         *sorted((ROOT / "docs").glob("*.md"))]
SHELL = ("bash", "sh", "shell", "console")
BLOCK = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```\s*$", re.S | re.M)
MARKER = re.compile(r"<!--\s*(runnable|not runnable:\s*(.*?))\s*-->\s*$")
MKDOCS_HINT = "python3 -m pip install -c constraints/tf-2.21.txt -e '.[docs]'"
# what the scratch folder does not take from the clone: outputs a command would make itself
NOT_LINKED = {".git", "results", "site", "legacy_run_figures", ".tox", ".pytest_cache"}


def shell_blocks(path: Path) -> list[dict]:
    """Each shell code block of a page: its language, text, line and marker."""
    text = path.read_text()
    blocks = []
    for m in BLOCK.finditer(text):
        if m.group(1) not in SHELL:
            continue
        line = text.count("\n", 0, m.start()) + 1
        before = text[:m.start()].rstrip("\n").rsplit("\n", 1)[-1]
        marker = MARKER.search(before)
        page = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)
        blocks.append({"page": page, "line": line,
                       "code": m.group(2), "runnable": bool(marker) and marker.group(1) == "runnable",
                       "marker": marker.group(1) if marker else None,
                       "reason": (marker.group(2) or "").strip() if marker else None})
    return blocks


ALL_BLOCKS = [b for page in PAGES for b in shell_blocks(page)]


# --- the README ------------------------------------------------------------------------------

def test_readme_is_short_and_links_resolve():
    text = (ROOT / "README.md").read_text()
    assert len(text.splitlines()) <= 150
    links = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text)
    local = [link for link in links if not re.match(r"[a-z]+:", link)]
    assert "docs/img/report.png" in local  # the screenshot of the report
    for link in local:
        assert (ROOT / link).exists(), f"README links to {link}, which the clone lacks"
    for page in ("getting-started", "backends", "results", "cli", "legacy-run", "migrating",
                 "parity-gate", "speed", "api"):
        assert f"docs/{page}.md" in local, page
    assert re.search(r"test suite takes about \d+ minutes on a 2-core", text)
    # the three quick starts and the examples table, one row per example
    for title in ("Quick start (a)", "Quick start (b)", "Quick start (c)", "The examples"):
        assert f"## {title}" in text, title
    from parity import registry

    for example_id in registry.EXAMPLES:
        assert f"| `{example_id}` |" in text, example_id


def test_readme_setup_lines_are_what_ci_runs():
    ci = (ROOT / ".ci" / "run").read_text()
    ci_lines = [ln.strip() for ln in ci.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    setup = shell_blocks(ROOT / "README.md")[0]["code"]
    install = next(ln.split("#")[0].strip() for ln in setup.splitlines() if "pip install" in ln)
    assert install == "python3 -m pip install -c constraints/tf-2.21.txt -e '.[test,torch]'"
    assert install.replace("pip install", "pip install -q") in ci_lines
    readme = (ROOT / "README.md").read_text()
    tests = re.search(r"^python -m pytest\b(.*?)(#|$)", readme, re.M)
    assert tests, "the README shows the test command"
    # the test command is .ci/run's last line, the same arguments (python3 or python)
    assert ci_lines[-1] == f"python3 -m pytest{tests.group(1)}".strip()


def test_every_shell_block_says_whether_it_runs():
    assert len(ALL_BLOCKS) >= 10
    for b in ALL_BLOCKS:
        where = f"{b['page']}:{b['line']}"
        assert b["marker"], (f"{where}: put <!-- runnable --> or <!-- not runnable: REASON --> "
                             "on the line before the block")
        assert b["runnable"] or b["reason"], f"{where}: say why the block does not run"
    runnable_pages = {b["page"] for b in ALL_BLOCKS if b["runnable"]}
    assert "README.md" in runnable_pages and len(runnable_pages) >= 3


def test_the_marker_parser_sees_markers_and_their_absence(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("<!-- runnable -->\n```bash\necho one\n```\n\n"
                    "<!-- not runnable: needs a GPU -->\n```sh\necho two\n```\n\n"
                    "```bash\necho three\n```\n\n```python\nprint(4)\n```\n")
    got = [(b["runnable"], b["reason"], b["code"].strip()) for b in
           shell_blocks(page)]
    assert got == [(True, "", "echo one"), (False, "needs a GPU", "echo two"),
                   (False, None, "echo three")]


# --- the site --------------------------------------------------------------------------------

def _mkdocs():
    try:
        import material  # noqa: F401
        import mkdocs  # noqa: F401
        import mkdocstrings  # noqa: F401
    except ImportError:
        pytest.skip(f"the [docs] extra is not installed: {MKDOCS_HINT}")


def test_mkdocs_build_strict(tmp_path):
    _mkdocs()
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", PYTHONPATH=os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p))
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir",
                           str(tmp_path / "site")], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-4000:]
    site = tmp_path / "site"
    for page in ("getting-started", "backends", "results", "cli", "legacy-run", "migrating",
                 "migration-table", "parity-gate", "speed", "api"):
        assert (site / page / "index.html").is_file(), page
    api = (site / "api" / "index.html").read_text()
    for name in ("run_example", "assert_same_outputs", "assert_same_step", "convert_any"):
        assert name in api, name
    # the included files arrive whole: the generated migration table and the contributors' notes
    table = (site / "migration-table" / "index.html").read_text()
    assert "TF 0.x names" in table and "BasicLSTMCell" in table
    assert (site / "img" / "report.png").is_file()


# --- the runnable blocks ---------------------------------------------------------------------

def _scratch(tmp_path: Path) -> tuple[Path, dict]:
    """A folder that sees the clone's files (links) but keeps what commands write, and an
    environment whose ``python``/``python3``/``parity`` are this Python with this checkout."""
    work = tmp_path / "work"
    work.mkdir()
    for entry in ROOT.iterdir():
        if entry.name not in NOT_LINKED and not entry.name.startswith(".parity"):
            (work / entry.name).symlink_to(entry)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("python", "python3"):
        (bin_dir / name).write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} "$@"\n')
    (bin_dir / "parity").write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m parity "$@"\n')
    for f in bin_dir.iterdir():
        f.chmod(0o755)
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
               PYTHONPATH=os.pathsep.join(
                   p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p))
    # as a fresh shell has it (tests/conftest.py sets these for the test process)
    for name in ("KERAS_BACKEND", "TF_USE_LEGACY_KERAS", "TF_CPP_MIN_LOG_LEVEL", "MPLBACKEND"):
        env.pop(name, None)
    return work, env


def _run_block(code: str, work: Path, env: dict) -> subprocess.CompletedProcess:
    """One block as one bash script: the first command that fails ends it, named on stderr."""
    script = "set -eo pipefail\ntrap 'echo \"failed: $BASH_COMMAND\" >&2' ERR\n" + code
    return subprocess.run(["bash", "-c", script], cwd=work, env=env, capture_output=True,
                          text=True, timeout=600)


def test_a_failing_command_fails_its_block(tmp_path):
    work, env = _scratch(tmp_path)
    proc = _run_block("parity list > /dev/null\npython -m parity run no_such_example\necho after\n",
                      work, env)
    assert proc.returncode == 2
    assert "failed: python -m parity run no_such_example" in proc.stderr
    assert "after" not in proc.stdout
    assert _run_block("ls tests/tf1_scripts/static_rnn_mnist.py\n", work, env).returncode == 0
    assert not (ROOT / "no_such_output").exists()
    assert _run_block("mkdir no_such_output\n", work, env).returncode == 0
    assert (work / "no_such_output").is_dir() and not (ROOT / "no_such_output").exists()


@pytest.mark.parametrize("page", sorted({b["page"] for b in ALL_BLOCKS if b["runnable"]}))
def test_runnable_commands_exit_0(page, tmp_path):
    if shutil.which("bash") is None:
        pytest.fail("the runnable blocks need bash")
    work, env = _scratch(tmp_path)
    for b in (b for b in ALL_BLOCKS if b["page"] == page and b["runnable"]):
        proc = _run_block(b["code"], work, env)
        assert proc.returncode == 0, (f"{page}:{b['line']} exited {proc.returncode}:\n"
                                      f"{proc.stderr[-3000:]}")
        assert "Traceback" not in proc.stderr, f"{page}:{b['line']}:\n{proc.stderr[-3000:]}"
