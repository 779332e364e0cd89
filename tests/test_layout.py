"""The layout: examples read like their articles and never reach up into the harness.

Layers, lowest first: datasets, hyperparams, tf1_compat, the migration engine (tf1_migrate),
the examples (legacy_graph, eager_port, reference_programs), the harness (parity). An import found by reading the
source (every ``import`` / ``from ... import`` statement, also inside functions) may only
go down.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from parity import registry

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_PACKAGES = ("legacy_graph", "eager_port", "reference_programs")
# package -> the top-level packages of this project it may import
ALLOWED = {
    "datasets": {"datasets"},
    "hyperparams": {"hyperparams"},
    "tf1_compat": {"tf1_compat", "datasets"},
    "tf1_migrate": {"tf1_migrate", "tf1_compat"},  # usable without the parity harness
    "legacy_graph": {"legacy_graph", "datasets", "hyperparams", "tf1_compat"},
    "eager_port": {"eager_port", "datasets", "hyperparams"},
    "reference_programs": {"reference_programs", "datasets", "hyperparams"},
}
PROJECT = set(ALLOWED) | {"parity", "tests", "benchmarks"}


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, top-level package) of every import statement in a file, relative ones resolved."""
    tree = ast.parse(path.read_text(), str(path))
    package = path.relative_to(ROOT).parts[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            out.append((node.lineno, package if node.level else (node.module or "").split(".")[0]))
    return out


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_no_import_goes_up_a_layer(package):
    files = _modules(package)
    assert files, f"{package}/ has no modules"
    wrong = [f"{path.relative_to(ROOT)}:{line} imports {top}"
             for path in files for line, top in _imports(path)
             if top in PROJECT and top not in ALLOWED[package]]
    assert not wrong, "imports that go up a layer:\n" + "\n".join(wrong)


def test_the_reader_would_catch_an_upward_import(tmp_path, monkeypatch):
    """The check above reads nested and relative imports too (so it can fail)."""
    fake = tmp_path / "legacy_graph"
    fake.mkdir()
    (fake / "bad.py").write_text("def f():\n    from parity import keras_fit\n    from . import runtime\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert _imports(fake / "bad.py") == [(2, "parity"), (3, "legacy_graph")]


def test_every_registered_program_lives_in_an_example_package():
    for example in registry.EXAMPLES.values():
        for impl in example.impls:
            source = example.source(impl)
            assert source.split(".")[0] in EXAMPLE_PACKAGES, (example.id, impl, source)
            assert (ROOT / (source.replace(".", "/") + ".py")).is_file(), source
            adapter = example.modules[impl]
            assert adapter.startswith("parity.adapters."), (example.id, impl, adapter)


HARNESS = re.compile(r"\b(?:from|import)\s+parity\b|\bparity\.[a-z_]+\b|\b(?:keras_fit|keras_weights|"
                     r"tf1_weights|RunResult|check_names)\b")


@pytest.mark.parametrize("example_id", sorted(registry.EXAMPLES))
def test_the_migration_diff_shows_no_harness(example_id):
    proc = subprocess.run([sys.executable, "-m", "parity", "diff", example_id],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"migration diff of {example_id}")
    found = [line for line in proc.stdout.splitlines() if HARNESS.search(line)]
    assert not found, f"parity diff {example_id} shows harness code:\n" + "\n".join(found)


@pytest.mark.parametrize("example_id", sorted(registry.EXAMPLES))
def test_adapters_expose_the_harness_contract(example_id):
    example = registry.get(example_id)
    for impl in example.impls:
        module = example.module(impl)
        assert callable(getattr(module, "train", None)), (example_id, impl)
        if impl in ("legacy", "port"):
            assert callable(getattr(module, "predict", None)), (example_id, impl)
            assert callable(getattr(module, "train_step", None)), (example_id, impl)
        if impl == "port":
            assert callable(getattr(module, "build_model", None)), (example_id, impl)


MOVED = ("migrate", "migration_map", "capture", "tf1_graph", "tf1_rnn", "keras_rnn",
         "keras_weights", "testing", "transplant")


@pytest.mark.parametrize("name", MOVED)
def test_old_engine_import_paths_still_work_and_say_where_things_went(name):
    """``parity.X`` of the migration engine is ``tf1_migrate.X`` itself, with a warning."""
    import importlib
    import warnings

    sys.modules.pop(f"parity.{name}", None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        old = importlib.import_module(f"parity.{name}")
    assert old is importlib.import_module(f"tf1_migrate.{name}")
    assert any(f"tf1_migrate.{name}" in str(w.message) for w in caught), [str(w.message) for w in caught]


def test_the_engine_imports_without_the_harness():
    """tf1_migrate's modules import in a process where ``parity`` cannot be imported."""
    code = ("import sys; sys.modules['parity'] = None\n"
            + "".join(f"import tf1_migrate.{name}\n" for name in MOVED + ("convert", "keras_layers")))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
