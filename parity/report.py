"""The HTML report: ``index.html`` plus its images, self-contained and viewable offline.

:func:`build_from_folder` (what ``parity all`` and ``parity report`` call) shows every valid
result in the folder, whoever wrote it (another ``parity all --only``, a ``parity run``, a
concurrent run), under a lock so that concurrent builds do not drop each other's results.
"""

from __future__ import annotations

import datetime
import html
from pathlib import Path

from parity import plots, registry, runner, store
from parity.diff import CSS, html_fragment


def _order(example_id: str):
    ids = list(registry.EXAMPLES)
    return (ids.index(example_id), "") if example_id in ids else (len(ids), example_id)


def build_from_folder(out_dir, budget: str | None = None) -> tuple[Path, list]:
    """Rebuild ``index.html`` from every result in ``out_dir``; return ``(index, skipped)``
    where ``skipped`` lists ``(file name, why)`` for JSON files that are not results."""
    out_dir = Path(out_dir)
    with store.locked(out_dir):
        good, failed, skipped = store.load(out_dir)
        ids = sorted(set(good) | set(failed), key=_order)
        payloads = [good.get(i) or failed[i] for i in ids]
        later_failures = {i: failed[i] for i in ids if i in good and i in failed}
        return build(out_dir, payloads, budget=budget, later_failures=later_failures), skipped


def _failure_rows(later_failures: dict) -> list[list[str]]:
    rows = []
    for eid, p in later_failures.items():
        for impl, err in p.get("errors", {}).items():
            rows.append([eid, impl, p["metric"], "error", "", "", "", "",
                         f"a later attempt failed ({eid}{store.FAILED_SUFFIX}): {err}"[:120]])
        if not p.get("errors"):
            rows.append([eid, "", p["metric"], "error", "", "", "", "",
                         f"a later attempt ran nothing ({eid}{store.FAILED_SUFFIX})"])
    return rows


def _table_html(payloads: list[dict], later_failures: dict | None = None) -> str:
    rows = runner.parity_rows(payloads) + _failure_rows(later_failures or {})
    head = "".join(f"<th>{html.escape(h)}</th>" for h in runner.HEADER)
    body = []
    for r in rows:
        cls = " class='fail'" if r[-1] == "FAIL" or r[3] == "error" else ""
        body.append(f"<tr{cls}>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>")
    return f"<table class='parity'><tr>{head}</tr>{''.join(body)}</table>"


def _article(payload: dict) -> str:
    """The article's citation from the registry (a result written by an older version may
    name a file of the authors' working notes instead)."""
    example = registry.EXAMPLES.get(payload.get("example"))
    return example.article if example else str(payload.get("article", ""))


def _contents(payloads: list[dict], diffs: dict) -> str:
    """The table of contents: the verdict, each example, each migration diff."""
    items = ["<li><a href='#verdict'>Verdict</a>: the parity table</li>"]
    if payloads:
        examples = ", ".join(f"<a href='#{html.escape(p['example'])}'>{html.escape(p['example'])}</a>"
                             for p in payloads)
        items.append(f"<li><a href='#examples'>The examples</a>: {examples}</li>")
        shown = [p["example"] for p in payloads if diffs[p["example"]][0] is not None]
        links = ", ".join(f"<a href='#diff-{html.escape(e)}'>{html.escape(e)}</a>" for e in shown)
        items.append(f"<li><a href='#diffs'>Migration diffs</a>{': ' + links if links else ''}</li>")
    return f"<nav id='contents'><b>Contents</b><ul>{''.join(items)}</ul></nav>"


def build(out_dir, payloads: list[dict], budget: str | None = None,
          later_failures: dict | None = None) -> Path:
    """Write plots and ``index.html`` for ``payloads`` into ``out_dir``; return the index path.

    ``later_failures``: ``{id: payload}`` of failed attempts made after a shown result.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    ok = runner.overall_ok(payloads) and not later_failures
    diffs = {}  # example id -> its migration diff (HTML), or why there is none
    for p in payloads:
        try:
            diffs[p["example"]] = (html_fragment(registry.get(p["example"])), None)
        except (FileNotFoundError, KeyError, SyntaxError) as exc:
            diffs[p["example"]] = (None, str(exc))
    verdict = "all parity checks pass" if ok else "PARITY FAILED"
    parts = [
        "<h1>TF1 &rarr; Keras 3 parity report</h1>",
        _contents(payloads, diffs),
        "<h2 id='verdict'>Verdict</h2>",
        f"<p>overall: <b class='{'ok' if ok else 'fail'}'>{verdict}</b> &middot; "
        f"{datetime.datetime.now().isoformat(timespec='seconds')}"
        + (f" &middot; latest run's budget: <b>{html.escape(budget)}</b>" if budget else "")
        + "</p>",
        _table_html(payloads, later_failures),
    ]
    versions = payloads[0].get("versions", {}) if payloads else {}
    versions = dict(versions) if isinstance(versions, dict) else {}
    for p in payloads:  # the Keras backends the ports ran on
        for r in p.get("runs", []):
            if isinstance(r, dict) and r.get("backend"):
                versions[f"port on {r['backend']}"] = r.get("backend_version") or "?"
    if versions:
        parts.append("<p class='small'>" + ", ".join(
            f"{html.escape(k)} {html.escape(str(v))}" for k, v in versions.items()) + "</p>")
    if payloads:
        parts.append("<h2 id='examples'>The examples</h2>")
    for p in payloads:
        eid = html.escape(p["example"])
        parts.append(f"<h2 id='{eid}'>{eid}</h2>")
        data_file = store.result_path("", p["example"], failed=store.is_failed(p)).name
        article = _article(p)
        diff_link = (f" &middot; <a href='#diff-{eid}'>migration diff</a>"
                     if diffs[p["example"]][0] is not None else "")
        parts.append(f"<p>{html.escape(str(p.get('title', '')))} &middot; article: "
                     f"{html.escape(article)} &middot; "
                     f"<a href='{html.escape(data_file)}'>{html.escape(data_file)}</a>"
                     f"{diff_link}</p>")
        par = p["parity"]
        if "seeds" in p:  # many seeds: per side mean, std, min-max; the equivalence verdict
            from parity import seeds

            parts.append("<pre>" + html.escape(seeds.format_table(seeds.rows([p]))) + "</pre>")
            said = html.escape(str(par.get("test", "")))
            if par.get("ok") is not None:  # a comparison was made: under which margin
                said += (f", margin {par['tolerance']:g}: "
                         f"{html.escape(str(par.get('tolerance_note', '')))}")
                if par.get("margin_source"):
                    said += f" ({html.escape(str(par['margin_source']))})"
            parts.append(f"<p class='small'>{said}</p>")
        elif par.get("ports"):  # the port on several Keras backends, each against the legacy side
            each = "; ".join(f"{html.escape(label)}: {c['delta']:.4g} ({'ok' if c['ok'] else 'FAIL'})"
                             for label, c in par["ports"].items())
            parts.append(f"<p>|legacy &minus; port| per Keras backend: {each} (tolerance "
                         f"{par['tolerance']:g}: {html.escape(par.get('tolerance_note', ''))})</p>")
        elif par.get("delta") is not None:
            parts.append(f"<p>|legacy &minus; port| = {par['delta']:.4g} (tolerance {par['tolerance']:g}: "
                         f"{html.escape(str(par.get('tolerance_note', '')))})</p>")
        try:
            figures = plots.example_figures(p, out_dir)
        except (KeyError, TypeError, ValueError, IndexError) as exc:  # a result of unusual shape
            figures = []
            parts.append(f"<p>figures unavailable: {html.escape(type(exc).__name__)}: "
                         f"{html.escape(str(exc))}</p>")
        for fig in figures:
            parts.append(f"<img src='{html.escape(fig.name)}' alt='{html.escape(fig.stem)}'>")
    if payloads:
        parts.append("<h2 id='diffs'>Migration diffs</h2>"
                     "<p class='small'>legacy_graph vs eager_port, section by section, with the "
                     "notes of the migration table; click one to open it.</p>")
    for p in payloads:  # closed by default: they are most of the page
        fragment, why = diffs[p["example"]]
        if fragment is None:
            parts.append(f"<p>{html.escape(p['example'])}: diff unavailable: {html.escape(why)}</p>")
        else:
            parts.append(f"<details><summary>{html.escape(p['example'])}</summary>"
                         f"{fragment}</details>")
    style = CSS + """
table.parity{border-collapse:collapse;font-size:13px} table.parity td,table.parity th{border:1px solid #ccc;padding:2px 6px}
tr.fail td{background:#fbdada} b.ok{color:#1a7f37} b.fail{color:#c62828} img{max-width:48%;margin:.3em;vertical-align:top}
.small{font-size:12px;color:#666} details{margin:.5em 0} summary{cursor:pointer;font-weight:bold}
nav#contents{background:#f6f8fa;border:1px solid #ddd;padding:.4em 1em;font-size:14px} nav#contents ul{margin:.3em 0}
"""
    page = (f"<!doctype html><html><head><meta charset='utf-8'><title>parity report</title>"
            f"<style>{style}</style></head><body>{''.join(parts)}</body></html>")
    return store.write_text(out_dir / "index.html", page)
