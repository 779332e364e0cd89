"""``python -m parity`` / ``parity``: list, run, all, calibrate, power, diff, convert, legacy-run, migrate, check.

Exit codes: 0 success, 1 a parity check (or a run) failed, 2 bad usage or bad input,
always with one clear line on stderr; 128 + N when stopped by signal N (SIGTERM, SIGHUP),
after the workers have stopped and the temporary folders are removed.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import hyperparams as configs

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")

EXIT_OK, EXIT_PARITY, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad usage or bad input: one line on stderr, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, not argparse's usage block
        raise UsageError(f"{self.prog}: {message}")


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got '{text}'") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, got {value}")
    return value


def _steps(text: str) -> int:
    value = _non_negative(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be at least 1 (a run of 0 steps trains nothing)")
    if value > configs.MAX_STEPS:
        raise argparse.ArgumentTypeError(f"must be at most {configs.MAX_STEPS:,} "
                                         f"({configs.MAX_STEPS_NOTE}), got {value}")
    return value


MAX_SEED = configs.MAX_SEED  # 2**31 - 1: the range every implementation accepts (see configs)


def _seed(text: str) -> int:
    value = _non_negative(text)
    if value > MAX_SEED:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_SEED} (2**31 - 1), got {value}")
    return value


def _seed_sets(text: str) -> int:
    value = _non_negative(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be at least 1 (the seeds given are one set)")
    return value


def _output_options(parser) -> None:
    g = parser.add_mutually_exclusive_group()
    g.add_argument("--quiet", action="store_true", help="no progress output, only the results")
    g.add_argument("--verbose", "--tf-warnings", action="store_true",
                   help="each implementation's own training output, TensorFlow's log lines and "
                        "warnings, and a failed run's traceback")


def _version() -> str:
    """The installed distribution's version (pyproject.toml's when run from a checkout)."""
    from importlib import metadata

    try:
        return metadata.version("tf1-lstm-parity")
    except metadata.PackageNotFoundError:
        import re

        text = (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text()
        found = re.search(r'^version = "([^"]+)"', text, re.MULTILINE)
        return found.group(1) if found else "(version unknown)"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _seeds_and_jobs(parser, seeds_help: str, jobs_help: str) -> None:
    parser.add_argument("--seeds", default=None, metavar="N|A-B|A,B,..", help=seeds_help)
    parser.add_argument("--jobs", default="1", metavar="N|auto",
                        help=f"{jobs_help} N at once, each process with its share of the cores "
                             f"(auto: the cores; default 1)")


def _many_options(parser) -> None:
    """--seeds, --jobs, --ray: many seeds, in parallel, on a cluster."""
    _seeds_and_jobs(parser, "train each implementation once per seed (N seeds from --seed, "
                            "default 0) and test equivalence over them", "independent runs,")
    parser.add_argument("--ray", default=None, metavar="ADDRESS",
                        help="run the runs as Ray tasks on the cluster at ADDRESS ('local': a "
                             "Ray instance started here); needs the [cluster] extra")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="parity", description=__doc__.splitlines()[0].replace("``", ""))
    p.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = p.add_subparsers(dest="command", parser_class=_Parser, required=True)

    sub.add_parser("list", help="the example ids, with the article each comes from")

    r = sub.add_parser("run", help="train one example's implementations and compare them")
    r.add_argument("example")
    r.add_argument("--impl", default="both",
                   choices=["legacy", "port", "both", "numpy", "torch", "all"])
    r.add_argument("--steps", type=_steps, default=None,
                   help="budget in the example's own unit (default: the example's default "
                        "budget, as in `parity all`; `parity list` shows them)")
    rb = r.add_mutually_exclusive_group()
    rb.add_argument("--quick", action="store_true", help="the quick budget of `parity all --quick`")
    rb.add_argument("--full", action="store_true", help="the full budget of `parity all --full`")
    r.add_argument("--seed", type=_seed, default=None, help=f"0 to {MAX_SEED}")
    r.add_argument("--backend", default="tensorflow", choices=["tensorflow", "jax", "torch"],
                   help="the Keras backend the port runs on (default tensorflow; the legacy "
                        "side always runs on TensorFlow)")
    r.add_argument("--out", default="results", help="output folder (default: results/)")
    _output_options(r)
    _many_options(r)

    a = sub.add_parser("all", help="the main job: every example, both sides, report")
    g = a.add_mutually_exclusive_group()
    g.add_argument("--quick", action="store_true",
                   help="short budgets (about 2 minutes on a quiet 2-core machine)")
    g.add_argument("--full", action="store_true", help="the articles' budgets")
    a.add_argument("--out", default="results")
    a.add_argument("--seed", type=_seed, default=None, help=f"0 to {MAX_SEED}")
    a.add_argument("--only", nargs="+", metavar="ID", help="a subset of the examples")
    a.add_argument("--steps", type=_steps, default=None,
                   help="one budget for every example, each in its own unit (overrides the budget)")
    _output_options(a)
    a.add_argument("--backends", default="tensorflow", metavar="B[,B...]",
                   help="Keras backends to run each port on, comma-separated, from "
                        "tensorflow,jax,torch (default tensorflow); one row per backend")
    _many_options(a)

    cal = sub.add_parser("calibrate", help="measure each side's seed-to-seed spread and "
                                           "propose the example's equivalence margin")
    cal.add_argument("example")
    cal.add_argument("--seeds", default="20", metavar="N|A-B|A,B,..")
    gc = cal.add_mutually_exclusive_group()
    gc.add_argument("--quick", action="store_true", help="the quick budget (the gate's)")
    gc.add_argument("--full", action="store_true", help="the article's budget")
    cal.add_argument("--steps", type=_steps, default=None, help="this budget instead")
    cal.add_argument("--jobs", default="1", metavar="N|auto")
    cal.add_argument("--out", default="results", help="writes calibration-ID.json here")
    cal.add_argument("--quiet", action="store_true")

    pw = sub.add_parser("power", help="run the gate against ports with known migration bugs")
    pw.add_argument("--only", nargs="+", metavar="ID", help="examples (default: the quick ones)")
    pw.add_argument("--mutants", nargs="+", metavar="NAME", help="a subset of the catalogue")
    pw.add_argument("--seeds", default="3", metavar="N|A-B|A,B,..",
                    help="seeds per side for level 1 (default 3)")
    pw.add_argument("--seed-sets", type=_seed_sets, default=1, metavar="K",
                    help="K disjoint seed sets for the false-alarm rate of the correct ports")
    pw.add_argument("--levels", default="1,2,3", help="which levels to run (default 1,2,3)")
    pw.add_argument("--jobs", default="1", metavar="N|auto")
    pw.add_argument("--out", default="results", help="writes power.json and power.md here")
    pw.add_argument("--quiet", action="store_true")
    pw.add_argument("--list", action="store_true", help="print the catalogue and exit")

    d = sub.add_parser("diff", help="the migration diff of an example's legacy module against its port")
    d.add_argument("example")
    d.add_argument("--html", default=None, help="write a side-by-side HTML page here")

    c = sub.add_parser("convert", help="convert a TF1 checkpoint to Keras 3 weights or a Keras 3 model")
    c.add_argument("checkpoint", help="checkpoint prefix, one of its files, or its folder "
                   "(a legacy-run --capture session folder brings its description)")
    c.add_argument("--example", help="a built-in example's checkpoint, through its own mapping")
    c.add_argument("--out", help="FILE.weights.h5 (Keras) or, with --example, FILE.pt (PyTorch)")
    c.add_argument("--model", metavar="MODULE:FUNCTION", help="fill the Keras model this returns")
    c.add_argument("--emit-model", metavar="FILE.keras", help="write a Keras model built from the structure")
    c.add_argument("--capture", metavar="DIR|JSON", help="the structure description legacy-run --capture wrote")
    c.add_argument("--rnn", metavar="SCOPE", help="which RNN, when the checkpoint holds several")
    c.add_argument("--forget-bias", type=float, help="the forget_bias the TF1 LSTM cells were built with")
    c.add_argument("--merge", choices=["concat", "sum", "mul", "ave"],
                   help="how the bidirectional outputs were merged")
    c.add_argument("--head-input", choices=["last", "state", "sequence"],
                   help="what feeds the dense head: the last step's output, the final state, every step")
    c.add_argument("--head", metavar="KERNEL[,BIAS]", help="the head's variables, when several could be")
    c.add_argument("--activation", help="the cells' activation (TF1's default: tanh)")
    c.add_argument("--allow-incomplete", action="store_true",
                   help="write the model although rows of the table are not ok (it then differs "
                        "from the TF1 graph as those rows say)")
    c.add_argument("--verbose", "--tf-warnings", action="store_true",
                   help="show TensorFlow's start-up log lines and warnings")

    lr = sub.add_parser("legacy-run", help="run an unmodified TF1 script or notebook on TensorFlow 2")
    lr.add_argument("script")
    lr.add_argument("args", nargs=argparse.REMAINDER)

    m = sub.add_parser("migrate", help="what a TF1 script needs to become Keras 3, line by line")
    m.add_argument("script")
    m.add_argument("--html", metavar="FILE", help="also write the report as an HTML page")
    m.add_argument("--markdown", metavar="FILE", help="also write the report as Markdown")
    m.add_argument("--write", metavar="PORT.py",
                   help="write a runnable Keras 3 program (and test_port_parity.py beside it); "
                        "exit 1 while TODO(migrate) markers remain")
    m.add_argument("--capture", metavar="DIR", help="with --write: a `legacy-run --capture` folder "
                   "of the script (default: the script is run under legacy-run into PORT_capture/)")
    m.add_argument("--init-from", metavar="CKPT", help="with --write: the TF1 checkpoint whose "
                   "weights the port can start from (default: the capture's)")
    m.add_argument("script_args", nargs="*", metavar="ARG",
                   help="with --write: the script's own arguments for its capture run (after --)")

    ch = sub.add_parser("check", help="run a TF1 script (under legacy-run) and its Keras port; "
                                      "compare their final metric")
    ch.add_argument("legacy")
    ch.add_argument("port")
    ch.add_argument("--steps", type=int, help="pass N as the first argument of both programs")
    ch.add_argument("--seed", type=_seed, default=None,
                    help="set PARITY_SEED=S for both programs (with --seeds N: the first seed)")
    _seeds_and_jobs(ch, "run both programs once per seed (PARITY_SEED) and test equivalence "
                        "over the seeds (two one-sided Welch tests)", "with --seeds: seeds,")
    ch.add_argument("--tolerance", type=float, default=None,
                    help="relative tolerance on the metric (default 0.1: 10%% of the legacy value; "
                         "with --seeds, of the legacy side's mean: the equivalence margin)")
    ch.add_argument("--margin", type=float, default=None,
                    help="with --seeds: the equivalence margin as an absolute value of the metric "
                         "(instead of --tolerance)")
    ch.add_argument("--json", metavar="FILE", default=None,
                    help="with --seeds: write every seed's values and the verdict here")
    ch.add_argument("--timeout", type=float, default=None, help="seconds allowed for each program")
    ch.add_argument("--same-start", action="store_true", help="start the port from the TF1 "
                    "script's initial weights (PORT.start.weights.h5 of migrate --write)")
    ch.add_argument("script_args", nargs="*", metavar="ARG", help="both programs' arguments (after --)")

    b = sub.add_parser("bench", help="time your own Keras model on each backend and setting, "
                                     "against PyTorch's fused LSTM")
    from parity import bench_port

    bench_port.add_arguments(b)

    rep = sub.add_parser("report", help="rebuild plots and index.html from an output folder")
    rep.add_argument("out", nargs="?", default="results")
    return p


def cmd_list(args) -> int:
    from parity import registry

    for e in registry.EXAMPLES.values():
        print(f"{e.id:28s} {e.title}; budgets {e.budget_text()}; article: {e.article}")
    return EXIT_OK


def _payload_rows(payloads):
    from parity import runner

    return runner.format_table(runner.parity_rows(payloads))


def _backends(text: str) -> list[str]:
    """Checked backend names; one clear line for an unknown or uninstalled one."""
    from parity import backends

    try:
        names = backends.parse_list(text)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    for name in names:
        ok, why = backends.available(name)
        if not ok:
            raise UsageError(f"backend '{name}': {why}")
    return names


def backends_limitation(example, backend: str):
    from parity import backends

    return backends.limitation(backend, float64=example.float64)


def _preflight(jobs) -> None:
    from parity import runner

    try:
        runner.preflight(jobs)
    except runner.InputError as exc:
        raise UsageError(str(exc)) from None


def _report_failures(payloads) -> None:
    from parity import runner

    for line in runner.failure_lines(payloads):
        print(line, file=sys.stderr)


def cmd_run(args) -> int:
    from parity import registry, runner, store

    example = registry.get(args.example)
    try:
        impls = runner.resolve_impls(example, args.impl)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    for impl in impls:
        ok, why = runner.impl_available(impl)
        if not ok and args.impl == impl:
            raise UsageError(why)
    if args.backend != "tensorflow" and "port" not in impls:
        raise UsageError(f"--backend {args.backend} applies to the port, and --impl {args.impl} "
                         "runs no port (the legacy side always runs on TensorFlow)")
    backend_names = _backends(args.backend)
    why = backends_limitation(example, args.backend)
    if why and args.impl == "port":
        raise UsageError(f"{example.id} cannot run on the {args.backend} backend: {why}")
    steps = args.steps if args.steps is not None else example.steps_for(_budget(args))
    _preflight([{"example": example.id, "impl": i, "steps": steps, "seed": args.seed}
                for i in impls])
    many = _many(args)
    if many is not None:
        jobs, skipped = [], {}
        for impl in impls:
            ok, why = runner.impl_available(impl)
            if not ok:
                skipped[impl] = why
                continue
            new, why = runner.make_jobs(example.id, impl, backend_names, steps=steps,
                                        seed=args.seed, verbose=False)
            jobs += new
            skipped.update(why)
        out = _writable_dir(args.out)
        payloads = _execute_many(many, jobs, [example], {example.id: skipped}, out, args)
        return _finish_many(payloads, out, report=False, quiet=args.quiet)
    out = _writable_dir(args.out)
    payload = runner.run_example(example.id, impls, steps, args.seed, out,
                                 verbose=args.verbose, progress=not args.quiet, check=False,
                                 backend_names=backend_names, merge=True)
    if not args.quiet:
        print()
    print(_payload_rows([payload]))
    failed = store.is_failed(payload)
    path = store.result_path(out, example.id, failed=failed)
    kept = store.result_path(out, example.id)
    print(f"\nwrote {path}" + (f" (the previous {kept} is kept)" if failed and kept.exists() else ""))
    if payload.get("kept"):
        print(f"kept the {', '.join(payload['kept'])} run(s) of the previous {kept.name} "
              "(same budget and seed); parity computed over all")
    if payload.get("previous"):
        print(f"the previous {kept.name} ran another budget or seed: kept as "
              f"{Path(out, payload['previous'])}")
    _report_failures([payload])
    if payload["errors"]:
        return EXIT_PARITY
    return EXIT_PARITY if payload["parity"]["ok"] is False else EXIT_OK


def _budget(args) -> str:
    """The budget mode of ``run`` and ``all``: the same names, the same registry numbers."""
    return "quick" if args.quick else "full" if args.full else "default"


def cmd_all(args) -> int:
    from parity import registry, runner

    budget = _budget(args)
    ids = args.only or list(registry.EXAMPLES)
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise UsageError(f"--only names {', '.join(repeated)} more than once")
    examples = [registry.get(i) for i in ids]
    backend_names = _backends(args.backends)
    jobs, skipped = [], {}
    for e in examples:
        for impl in e.impls:
            ok, why = runner.impl_available(impl)
            if not ok:
                skipped.setdefault(e.id, {})[impl] = why
                continue
            new, why = runner.make_jobs(e.id, impl, backend_names,
                                        steps=args.steps if args.steps is not None else e.steps_for(budget),
                                        seed=args.seed, verbose=args.verbose)
            jobs += new
            skipped.setdefault(e.id, {}).update(why)
    _preflight(jobs)
    out = _writable_dir(args.out)
    many = _many(args)
    if many is not None:
        n_runs = len(jobs) * len(many["seeds"])
        if not args.quiet:  # --quiet: the results only (the table, the report's path)
            print(f"parity all: {_plural(len(examples), 'example')}, {_plural(n_runs, 'run')} "
                  f"({len(many['seeds'])} seed(s) each), budget '{budget}', port on "
                  f"{', '.join(backend_names)}, {many['where']}, output in {out}/", flush=True)
        payloads = _execute_many(many, jobs, examples, skipped, out, args)
        return _finish_many(payloads, out, budget=budget, quiet=args.quiet)
    if not args.quiet:
        print(f"parity all: {_plural(len(examples), 'example')}, {_plural(len(jobs), 'run')}, "
              f"budget '{budget}', port on {', '.join(backend_names)}, output in {out}/",
              flush=True)
    results = runner.run_isolated(jobs, verbose=args.verbose, progress=not args.quiet)
    payloads = [runner.assemble(e, results, skipped.get(e.id, {}), out) for e in examples]
    table = _payload_rows(payloads)
    if not args.quiet:
        print()
    print(table)
    index = _build_report(out, budget=budget)
    print(f"\nreport: {index}")
    _report_failures(payloads)
    ok = runner.overall_ok(payloads)
    return EXIT_OK if ok else EXIT_PARITY


def _many(args) -> dict | None:
    """The --seeds/--jobs/--ray settings, checked; None for the plain sequential single run."""
    from parity import jobs as pool
    from parity import seeds

    try:
        n_jobs = pool.parse_jobs(args.jobs)
        seed_list = seeds.parse(args.seeds, base=args.seed) if args.seeds is not None else None
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if seed_list is None and n_jobs == 1 and args.ray is None:
        return None
    if args.verbose:
        raise UsageError("--verbose shows each run's own output, one run at a time: leave out "
                         "--seeds/--jobs/--ray, or --verbose")
    if args.ray is not None:
        try:  # before the header line: a typo or a cluster that is down, in one line
            pool.check_ray_address(args.ray)
        except pool.ClusterUnavailable as exc:
            raise UsageError(str(exc)) from None
        where = f"on Ray at {args.ray}"
    else:
        where = f"{n_jobs} process(es) x {max(1, pool.cores() // n_jobs)} thread(s)"
    return {"seeds": seed_list or [args.seed], "many_seeds": seed_list is not None,
            "jobs": n_jobs, "ray": args.ray, "where": where}


def _execute_many(many, jobs, examples, skipped, out, args) -> list[dict]:
    from parity import jobs as pool
    from parity import runner, seeds

    if many["many_seeds"]:
        jobs = seeds.expand(jobs, many["seeds"])
    if many["ray"] is not None:
        try:
            results = pool.run_ray(jobs, many["ray"], progress=not args.quiet,
                                   threads=max(1, pool.cores() // many["jobs"])
                                   if many["ray"] == "local" else 1)
        except pool.ClusterUnavailable as exc:
            raise UsageError(str(exc)) from None
    else:
        results = pool.run_parallel(jobs, many["jobs"], progress=not args.quiet)
    if many["many_seeds"]:
        return [seeds.assemble(e, results, skipped.get(e.id, {}), out, many["seeds"])
                for e in examples]
    return [runner.assemble(e, results, skipped.get(e.id, {}), out) for e in examples]


def _finish_many(payloads, out, budget=None, report=True, quiet=False) -> int:
    from parity import runner, seeds

    if not quiet:
        print()
    if any("seeds" in p for p in payloads):
        print(seeds.format_table(seeds.rows(payloads)))
        lines = seeds.failure_lines(payloads)
    else:
        print(_payload_rows(payloads))
        lines = runner.failure_lines(payloads)
    if report:
        print(f"\nreport: {_build_report(out, budget=budget)}")
    else:
        print(f"\nwrote {out}/")
    for line in lines:
        print(line, file=sys.stderr)
    return EXIT_OK if runner.overall_ok(payloads) else EXIT_PARITY


def cmd_calibrate(args) -> int:
    from parity import calibrate, registry, seeds
    from parity import jobs as pool

    example = registry.get(args.example)
    budget = "quick" if args.quick else "full" if args.full else "default"
    steps = args.steps if args.steps is not None else example.steps_for(budget)
    try:
        seed_list = seeds.parse(args.seeds)
        n_jobs = pool.parse_jobs(args.jobs)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if len(seed_list) < 2:
        raise UsageError("calibrate: a spread needs at least 2 seeds")
    _preflight([{"example": example.id, "impl": i, "steps": steps, "seed": 0}
                for i in ("legacy", "port")])
    out = _writable_dir(args.out)
    result = calibrate.run(example, steps, seed_list, n_jobs, progress=not args.quiet,
                           budget=budget if args.steps is None else f"{steps} {example.unit}")
    path = calibrate.save(out, result)
    print()
    print(calibrate.format_result(result))
    print(f"\nwrote {path}")
    return EXIT_OK if not result["errors"] else EXIT_PARITY


def cmd_power(args) -> int:
    from parity import jobs as pool
    from parity import power, seeds

    if args.list:
        print(power.format_catalogue())
        return EXIT_OK
    try:
        seed_list = seeds.parse(args.seeds)
        power.disjoint_sets(seed_list, args.seed_sets)  # every set's seeds accepted
        n_jobs = pool.parse_jobs(args.jobs)
        levels = power.parse_levels(args.levels)
        plan = power.plan(args.only, args.mutants)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    out = _writable_dir(args.out)
    result = power.run(plan, seed_list, args.seed_sets, levels, n_jobs, progress=not args.quiet)
    paths = power.save(out, result)
    print()
    print(power.format_table(result))
    for p in paths:
        print(f"wrote {p}")
    return EXIT_OK


def cmd_diff(args) -> int:
    from parity import diff, registry

    example = registry.get(args.example)
    if args.html:
        try:
            path = diff.write_html(example, args.html)
        except OSError as exc:
            raise UsageError(f"diff: cannot write '{args.html}': {_why(exc)}") from None
        print(f"wrote {path}")
    else:
        print(diff.text_diff(example))
    return EXIT_OK


_GENERIC = ("model", "emit_model", "capture", "rnn", "forget_bias", "merge", "head_input", "head",
            "activation", "allow_incomplete")


def cmd_convert(args) -> int:
    from parity import convert, registry
    from tf1_compat import quiet

    if args.example is None:
        return _convert_any(args)
    given = [f"--{o.replace('_', '-')}" for o in _GENERIC if getattr(args, o) not in (None, False)]
    if given:
        raise UsageError(f"convert: --example uses the example's own mapping: leave out {', '.join(given)}")
    if args.out is None:
        raise UsageError("convert: --example needs --out FILE.weights.h5 or FILE.pt")
    example = registry.get(args.example)
    try:
        convert.check_output(args.out)
        quiet.quiet_python_warnings(show=args.verbose)
        quiet.import_tensorflow_quietly(show=args.verbose)
        path = convert.convert(args.checkpoint, example, args.out)
    except (convert.ConversionError, ValueError) as exc:
        raise UsageError(f"convert: {exc}") from None
    except OSError as exc:
        raise UsageError(f"convert: cannot write '{args.out}': {_why(exc)}") from None
    print(f"wrote {path}")
    return EXIT_OK


def _convert_any(args) -> int:
    from parity import convert
    from parity.store import output_problem
    from tf1_compat import quiet
    from tf1_migrate import keras_rnn, tf1_rnn

    options = {o: getattr(args, o) for o in _GENERIC if o not in ("model", "emit_model")}
    # an unwritable output is found before the work (the engine's own checks name the
    # suffix and a missing folder)
    for option, path in (("--out", args.out), ("--emit-model", args.emit_model)):
        why = path and Path(path).parent.is_dir() and output_problem(path)
        if why:
            raise UsageError(f"convert: {option} {why}")
    try:
        quiet.quiet_python_warnings(show=args.verbose)
        quiet.import_tensorflow_quietly(show=args.verbose)
        with quiet.tensorflow_startup(show=args.verbose):  # the first ops' C++ log lines
            done = convert.convert_any(args.checkpoint, out=args.out, model=args.model,
                                       emit_model=args.emit_model, **options)
    except tf1_rnn.NeedsOption as exc:
        raise UsageError(f"convert: {exc}: pass {exc.option}") from None
    except (keras_rnn.FillError, convert.Incomplete) as exc:
        print(exc.table, file=sys.stderr)
        raise UsageError(f"convert: {exc} (table above)") from None
    except (convert.ConversionError, ValueError, OSError) as exc:
        raise UsageError(f"convert: {exc}".replace("\n", " ")) from None
    print(done.description)
    print(done.table)
    for note in done.notes:
        print(f"note: {note}")
    for path in done.written:
        print(f"wrote {path}")
    return EXIT_OK


def cmd_legacy_run(args) -> int:
    from parity import legacy_run

    return legacy_run.main([args.script, *args.args])


def cmd_migrate_write(args) -> int:
    from tf1_compat import quiet

    quiet.quiet_python_warnings()
    quiet.import_tensorflow_quietly()
    from tf1_migrate import write_port

    try:
        done = write_port.write_port(args.script, args.write, capture=args.capture,
                                     init_from=args.init_from, args=args.script_args)
    except write_port.WriteError as exc:
        raise UsageError(f"migrate: {exc}") from None
    written = [done.port] + [p for p in (done.weights, done.start, done.test) if p is not None]
    print("wrote " + ", ".join(str(p) for p in written))
    print(f"capture: {done.capture}")
    for note in done.notes:
        print(f"note: {note}")
    for todo in done.todos:
        print(f"{write_port.TODO}: {todo}", file=sys.stderr)
    if done.todos:
        print(f"migrate: {len(done.todos)} TODO(migrate) left in {done.port}: it raises "
              f"NotImplementedError there", file=sys.stderr)
        return 1
    return EXIT_OK


def cmd_check(args) -> int:
    from parity import check

    if args.seeds is not None or args.json or args.margin is not None or args.jobs != "1":
        return _check_seeds(args)
    tolerance = check.DEFAULT_TOLERANCE if args.tolerance is None else args.tolerance
    try:
        table, ok, problems = check.check(args.legacy, args.port, args.script_args, steps=args.steps,
                                          seed=args.seed, tolerance=tolerance, timeout=args.timeout,
                                          same_start=args.same_start)
    except check.CheckError as exc:
        raise UsageError(f"check: {exc}") from None
    print(table)
    for line in problems:
        print(line, file=sys.stderr)
    return EXIT_OK if ok else 1


def _check_seeds(args) -> int:
    """``parity check --seeds``: both programs over many seeds, the equivalence verdict."""
    from parity import check, seeds, store
    from parity import jobs as pool

    if args.seeds is None:
        given = [o for o, v in (("--jobs", args.jobs != "1"), ("--margin", args.margin is not None),
                                ("--json", args.json)) if v]
        raise UsageError(f"check: {given[0]} goes with --seeds (many seeds per program)")
    if args.same_start:
        raise UsageError("check: --same-start starts the port from one TF1 run's weights; it "
                         "goes with --seed S, not --seeds")
    if args.margin is not None and args.tolerance is not None:
        raise UsageError("check: give the margin as --margin (absolute) or --tolerance "
                         "(relative), not both")
    try:
        seed_list = seeds.parse(args.seeds, base=args.seed)
        n_jobs = pool.parse_jobs(args.jobs)
    except ValueError as exc:
        raise UsageError(f"check: {exc}") from None
    why = args.json and store.output_problem(args.json)
    if why:
        raise UsageError(f"check: --json {why}")
    tolerance = check.DEFAULT_TOLERANCE if args.tolerance is None else args.tolerance
    try:
        table, ok, problems, payload = check.check_seeds(
            args.legacy, args.port, args.script_args, seeds=seed_list, steps=args.steps,
            tolerance=tolerance, margin=args.margin, timeout=args.timeout, jobs=n_jobs)
    except check.CheckError as exc:
        raise UsageError(f"check: {exc}") from None
    print(table)
    if args.json:
        print(f"results: {store.write_json(args.json, payload)}")
    for line in problems:
        print(line, file=sys.stderr)
    return EXIT_OK if ok else 1


def cmd_migrate(args) -> int:
    from parity.store import output_problem
    from tf1_migrate import migrate

    if args.write:
        return cmd_migrate_write(args)
    for option, value in (("--capture", args.capture), ("--init-from", args.init_from)):
        if value:
            raise UsageError(f"migrate: {option} goes with --write PORT.py")

    for option, path in (("--html", args.html), ("--markdown", args.markdown)):
        why = path and output_problem(path)
        if why:
            raise UsageError(f"migrate: {option} {why}")
    try:
        report = migrate.analyse(args.script)
        print(migrate.format_text(report))
        for path, fmt in ((args.markdown, migrate.format_markdown), (args.html, migrate.format_html)):
            if path:
                print(f"wrote {migrate.write_atomic(path, fmt(report))}")
    except migrate.MigrateError as exc:
        raise UsageError(f"migrate: {exc}") from None
    return EXIT_OK


def _build_report(out, budget=None):
    from parity import report

    try:
        index, skipped = report.build_from_folder(out, budget=budget)
    except OSError as exc:
        raise UsageError(f"report: cannot write into '{out}': {_why(exc)}") from None
    for name, why in skipped:
        print(f"report: skipped {name}: {why}", file=sys.stderr)
    return index


def cmd_report(args) -> int:
    from parity import store

    out = Path(args.out)
    if not out.is_dir():
        raise UsageError(f"report: '{out}' is not a folder (run `parity all` first)")
    good, failed, skipped = store.load(out)
    if not good and not failed:
        extra = f"; {len(skipped)} JSON file(s) are not results, e.g. {skipped[0][0]}: {skipped[0][1]}" if skipped else ""
        raise UsageError(f"report: no results in '{out}' (run `parity all` first){extra}")
    if not os.access(out, os.W_OK):
        raise UsageError(f"report: output folder '{out}' is not writable")
    print(f"report: {_build_report(out)}")
    return EXIT_OK


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__


def _writable_dir(path: str) -> str:
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise UsageError(f"output folder '{path}' exists and is not a folder")
    try:
        p.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create output folder '{path}': {_why(exc)}") from None
    if not os.access(p, os.W_OK):
        raise UsageError(f"output folder '{path}' is not writable")
    return str(p)


def cmd_bench(args) -> int:
    from parity import bench_port

    for name, value, least in (("--batch", args.batch, 1), ("--steps", args.steps, 1),
                               ("--warmup", args.warmup, 0)):
        if value < least:
            raise UsageError(f"bench: {name} must be at least {least}, got {value}")
    if args.input_shape and min(args.input_shape) < 1:
        raise UsageError(f"bench: --input-shape sizes must be positive, got {args.input_shape}")
    module, _, func = args.port.partition(":")
    if not module or not func:
        raise UsageError(f"bench: --port takes MODULE:FUNCTION (e.g. model:build_model), "
                         f"got '{args.port}'")
    out = _writable_dir(args.out) if args.out else None
    print(f"timing {args.port} on {', '.join(args.backends)} "
          f"(each configuration in a fresh process)")
    try:
        result = bench_port.run(args.port, batch=args.batch, steps=args.steps,
                                warmup=args.warmup, input_shape=args.input_shape,
                                backend_names=args.backends)
    except bench_port.BenchError as exc:
        raise UsageError(f"bench: {exc}") from None
    print()
    print(bench_port.format_table(result))
    if out:
        from parity import store

        print(f"\nwrote {store.write_json(f'{out}/bench-port.json', result)}")
    return EXIT_OK if result["fastest"] else EXIT_PARITY


COMMANDS = {"list": cmd_list, "run": cmd_run, "all": cmd_all, "diff": cmd_diff,
            "convert": cmd_convert, "legacy-run": cmd_legacy_run, "report": cmd_report,
            "migrate": cmd_migrate, "check": cmd_check, "calibrate": cmd_calibrate,
            "power": cmd_power, "bench": cmd_bench}


def main(argv=None) -> int:
    import parity  # noqa: F401  (TF_USE_LEGACY_KERAS before anything imports TensorFlow)
    from parity.registry import UnknownExample
    from tf1_compat import processes as procs

    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["legacy-run"]:  # everything after the script belongs to the script
        if len(argv) < 2:
            print("parity legacy-run: error: missing SCRIPT (see parity legacy-run --help)",
                  file=sys.stderr)
            return EXIT_USAGE
        from parity import legacy_run

        return legacy_run.main(argv[1:])
    if not argv:  # `parity` alone: the commands, as --help shows them
        build_parser().print_help()
        return EXIT_OK
    try:
        # SIGTERM/SIGHUP: workers stopped, temporary folders removed, exit 128 + N
        with procs.raise_on_signals():
            extra = None
            if argv[:1] in (["migrate"], ["check"]) and "--" in argv:  # the programs' own arguments
                at = argv.index("--")
                argv, extra = argv[:at], argv[at + 1:]
            args = build_parser().parse_args(argv)
            if extra is not None:
                args.script_args = list(args.script_args or []) + extra
            return COMMANDS[args.command](args)
    except (UsageError, UnknownExample) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except procs.Terminated as exc:
        print(f"parity: {exc}", file=sys.stderr)
        return exc.exit_code
    except OSError as exc:  # an environment problem (disk full, permissions): one line
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"error: {where}{_why(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
