"""The HTML report: ``index.html`` plus its images, self-contained and viewable offline."""

from __future__ import annotations

import datetime
import html
from pathlib import Path

from parity import plots, registry, runner
from parity.diff import CSS, html_fragment


def _table_html(payloads: list[dict]) -> str:
    rows = runner.parity_rows(payloads)
    head = "".join(f"<th>{html.escape(h)}</th>" for h in runner.HEADER)
    body = []
    for r in rows:
        cls = " class='fail'" if r[-1] == "FAIL" or r[3] == "error" else ""
        body.append(f"<tr{cls}>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>")
    return f"<table class='parity'><tr>{head}</tr>{''.join(body)}</table>"


def build(out_dir, payloads: list[dict], budget: str | None = None) -> Path:
    """Write plots and ``index.html`` into ``out_dir``; return the index path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    ok = runner.overall_ok(payloads)
    parts = [
        "<h1>TF1 &rarr; Keras 3 parity report</h1>",
        f"<p>{datetime.datetime.now().isoformat(timespec='seconds')}"
        + (f" &middot; budget: <b>{html.escape(budget)}</b>" if budget else "")
        + f" &middot; overall: <b class='{'ok' if ok else 'fail'}'>{'all parity checks pass' if ok else 'PARITY FAILED'}</b></p>",
        _table_html(payloads),
    ]
    versions = dict(payloads[0].get("versions", {})) if payloads else {}
    for p in payloads:  # the Keras backends the ports ran on
        for r in p["runs"]:
            if r.get("backend"):
                versions[f"port on {r['backend']}"] = r.get("backend_version") or "?"
    if versions:
        parts.append("<p class='small'>" + ", ".join(
            f"{html.escape(k)} {html.escape(str(v))}" for k, v in versions.items()) + "</p>")
    for p in payloads:
        parts.append(f"<h2 id='{p['example']}'>{html.escape(p['example'])}</h2>")
        parts.append(f"<p>{html.escape(p.get('title', ''))} &middot; article: "
                     f"<code>{html.escape(p.get('article', ''))}</code> &middot; "
                     f"<a href='{html.escape(p['example'])}.json'>{html.escape(p['example'])}.json</a>"
                     f" &middot; <a href='#diff-{html.escape(p['example'])}'>migration diff</a></p>")
        par = p["parity"]
        if par.get("ports"):  # the port on several Keras backends, each against the legacy side
            each = "; ".join(f"{html.escape(label)}: {c['delta']:.4g} ({'ok' if c['ok'] else 'FAIL'})"
                             for label, c in par["ports"].items())
            parts.append(f"<p>|legacy &minus; port| per Keras backend: {each} (tolerance "
                         f"{par['tolerance']:g}: {html.escape(par.get('tolerance_note', ''))})</p>")
        elif par.get("delta") is not None:
            parts.append(f"<p>|legacy &minus; port| = {par['delta']:.4g} (tolerance {par['tolerance']:g}: "
                         f"{html.escape(par.get('tolerance_note', ''))})</p>")
        for fig in plots.example_figures(p, out_dir):
            parts.append(f"<img src='{html.escape(fig.name)}' alt='{html.escape(fig.stem)}'>")
    parts.append("<h1>Migration diffs</h1>")
    for p in payloads:
        try:
            parts.append(f"<details><summary>{html.escape(p['example'])}</summary>"
                         f"{html_fragment(registry.get(p['example']))}</details>")
        except (FileNotFoundError, KeyError, SyntaxError) as exc:
            parts.append(f"<p>diff unavailable: {html.escape(str(exc))}</p>")
    style = CSS + """
table.parity{border-collapse:collapse;font-size:13px} table.parity td,table.parity th{border:1px solid #ccc;padding:2px 6px}
tr.fail td{background:#fbdada} b.ok{color:#1a7f37} b.fail{color:#c62828} img{max-width:48%;margin:.3em;vertical-align:top}
.small{font-size:12px;color:#666} details{margin:.5em 0} summary{cursor:pointer;font-weight:bold}
"""
    page = (f"<!doctype html><html><head><meta charset='utf-8'><title>parity report</title>"
            f"<style>{style}</style></head><body>{''.join(parts)}</body></html>")
    index = out_dir / "index.html"
    tmp = out_dir / ".index.html.tmp"
    tmp.write_text(page)
    tmp.replace(index)
    return index
