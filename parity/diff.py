"""``parity diff``: the migration diff of a legacy module against its port, aligned by section.

Sections are the modules' top-level blocks (docstring, imports, constants, each function
and class), matched by name: the contract makes both sides use the same names where
the concept is the same. Every changed legacy line that uses a TF1 API is annotated with
its Keras 3 mapping from :mod:`tf1_migrate.migration_map`.
"""

from __future__ import annotations

import ast
import difflib
import errno
import html
import importlib.util
import re
from pathlib import Path

from tf1_migrate import migration_map


def module_path(module_name: str) -> Path:
    spec = importlib.util.find_spec(module_name)
    if spec is None or spec.origin is None:
        raise FileNotFoundError(f"module {module_name} not found")
    return Path(spec.origin)


def sections(source: str) -> list[tuple[str, list[str]]]:
    """Split a module into named top-level sections: (name, lines)."""
    lines = source.splitlines()
    tree = ast.parse(source)
    out: list[tuple[str, list[str]]] = []
    prev_end = 0
    pending: list[tuple[str, int, int]] = []
    for node in tree.body:
        start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])]) - 1
        end = node.end_lineno
        if isinstance(node, ast.Expr) and isinstance(getattr(node, "value", None), ast.Constant) \
                and isinstance(node.value.value, str) and not pending:
            name = "docstring"
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            name = "imports"
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            name = f"{'class' if isinstance(node, ast.ClassDef) else 'def'} {node.name}"
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            name = "constants"
        else:
            name = "module code"
        # comments and blank lines before a block belong to it
        pending.append((name, prev_end, end))
        prev_end = end
    for name, start, end in pending:
        chunk = lines[start:end]
        if out and out[-1][0] == name and name in ("imports", "constants", "module code"):
            out[-1][1].extend(chunk)
        else:
            out.append((name, chunk))
    if prev_end < len(lines):
        tail = lines[prev_end:]
        if any(t.strip() for t in tail):
            out.append(("module code", tail))
    return [(n, _trim(ls)) for n, ls in out]


def _trim(lines: list[str]) -> list[str]:
    while lines and not lines[0].strip():
        lines = lines[1:]
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return lines


def aligned_sections(example) -> list[tuple[str, list[str], list[str]]]:
    """[(section name, legacy lines, port lines)] in the legacy module's order."""
    legacy = sections(module_path(example.source("legacy")).read_text())
    port = sections(module_path(example.source("port")).read_text())
    port_map: dict[str, list[str]] = {}
    for name, ls in port:
        port_map.setdefault(name, []).extend(ls)
    used, out = set(), []
    for name, ls in legacy:
        if name in port_map and name not in used:
            out.append((name, ls, port_map[name]))
            used.add(name)
        elif name in used:
            continue
        else:
            out.append((name, ls, []))
    for name, ls in port:
        if name not in used:
            out.append((name, [], ls))
            used.add(name)
    return out


def annotations(legacy_lines: list[str], port_lines: list[str],
                section: str = "") -> list[migration_map.Mapping]:
    """The mappings used by legacy code lines that the port changed (docstrings aside)."""
    if section == "docstring":
        return []
    changed = set(legacy_lines) - set(port_lines)
    seen, out = set(), []
    for line in legacy_lines:
        if line not in changed or line.strip().startswith("#"):
            continue
        for m in migration_map.annotate(line):
            if m.tf1 not in seen:
                seen.add(m.tf1)
                out.append(m)
    return out


def text_diff(example) -> str:
    legacy_file = module_path(example.source("legacy"))
    out = [f"migration diff of {example.id}: {legacy_file.name} (legacy_graph) -> (eager_port)"]
    for name, left, right in aligned_sections(example):
        out.append("")
        out.append(f"=== {name} " + "=" * max(3, 60 - len(name)))
        if left == right:
            out.append("  (identical)")
            continue
        for line in difflib.unified_diff(left, right, "legacy", "port", n=2, lineterm=""):
            if line.startswith(("---", "+++")):
                continue
            out.append(line)
        for m in annotations(left, right, name):
            out.append(f"  >> {m.tf1}  ->  {m.keras}")
            out.append(f"     gotcha: {m.gotcha}")
    return "\n".join(out)


CSS = """
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}
table.diff{border-collapse:collapse;font-family:ui-monospace,monospace;font-size:12px;width:100%;table-layout:fixed}
table.diff td{padding:0 4px;vertical-align:top;white-space:pre-wrap;word-break:break-all}
table.diff th{background:#eee}
td.diff_header{color:#888;text-align:right;width:3em}
td.diff_next{display:none}
span.diff_add{background:#c8f0c8} span.diff_chg{background:#f5e6a8} span.diff_sub{background:#f5c8c8}
.note{background:#f4f7fb;border-left:3px solid #4a78c2;padding:.3em .8em;margin:.3em 0;font-size:13px}
h2{font-size:1.1em;margin-top:1.6em} h3{font-family:ui-monospace,monospace;font-size:1em;margin:1.2em 0 .3em}
"""


_DIFFLIB_LINK = re.compile(r'<a href="#difflib_chg_[^"]*">[^<]*</a>')


def html_fragment(example) -> str:
    """The side-by-side diff of one example as an HTML fragment (for the report)."""
    differ = difflib.HtmlDiff(tabsize=4, wrapcolumn=78)
    parts = [f"<h2 id='diff-{example.id}'>{html.escape(example.id)}: legacy_graph vs eager_port</h2>"]
    for name, left, right in aligned_sections(example):
        parts.append(f"<h3>{html.escape(name)}</h3>")
        if left == right:
            parts.append("<p class='note'>identical on both sides</p>")
            continue
        table = differ.make_table(left, right, "legacy_graph", "eager_port")
        # difflib's "next change" links live in a column the CSS hides, and some point at
        # no anchor at all: leave them out
        table = _DIFFLIB_LINK.sub("", table.replace('nowrap="nowrap"', ""))
        parts.append(table)
        for m in annotations(left, right, name):
            parts.append(
                f"<div class='note'><b>{html.escape(m.tf1)}</b> &rarr; <code>{html.escape(m.keras)}</code>"
                f"<br>{html.escape(m.gotcha)}</div>"
            )
    return "\n".join(parts)


def write_html(example, path) -> Path:
    path = Path(path)
    body = html_fragment(example)
    page = (f"<!doctype html><html><head><meta charset='utf-8'><title>parity diff {example.id}</title>"
            f"<style>{CSS}</style></head><body>{body}</body></html>")
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, "it is a folder; give a file name", str(path))
    from parity.store import output_problem, write_text

    above = path.parent
    while not above.exists() and above != above.parent:
        above = above.parent
    if not above.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, f"'{above}' is not a folder", str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    why = output_problem(path)
    if why:
        raise PermissionError(errno.EACCES, why.split(": ", 1)[-1], str(path))

    return write_text(path, page)  # a temporary file, renamed; removed if that fails
