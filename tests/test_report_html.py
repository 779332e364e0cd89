"""The HTML report as a reader meets it: a table of contents, the verdict first, the
migration diffs folded away, no dead anchor; and, in headless Chromium, every image loads
and nothing is logged to the console.

The report is built from real results: short in-process runs of two examples (their legacy
and port sides, a few steps each), written as ``parity run`` writes them.
"""

from __future__ import annotations

import shutil
from html.parser import HTMLParser

import pytest

from parity import registry, report, report_check, runner

# no side marker: the report is neither side's (and under `-m port` the backend runs would
# train this fixture again on JAX and PyTorch for nothing)
STEPS = {"series_predictor": 20, "mnist_dynamic_rnn": 10}


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    for eid, steps in STEPS.items():
        example = registry.get(eid)
        results = []
        for impl in ("legacy", "port"):
            result = example.module(impl).train(example.config(steps=steps), verbose=False)
            job = {"example": eid, "impl": impl, "steps": steps, "seed": None}
            results.append({"ok": True, "job": job, "result": result.to_json()})
        runner.assemble(example, results, {}, folder)
    index, skipped = report.build_from_folder(folder, budget="test")
    assert skipped == []
    return folder


class _Outline(HTMLParser):
    """The page's structure: where things start, which ids sit inside a <details>."""

    def __init__(self):
        super().__init__()
        self.events, self.open_details, self.details = [], 0, []
        self.in_details_ids, self.pos = set(), 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.pos += 1
        if tag == "details":
            self.open_details += 1
            self.details.append(attrs)
        if attrs.get("id"):
            self.events.append((self.pos, attrs["id"], tag))
            if self.open_details:
                self.in_details_ids.add(attrs["id"])
        if tag == "table" and "diff" in (attrs.get("class") or "").split():
            self.events.append((self.pos, "table.diff", tag))
            if not self.open_details:
                self.in_details_ids.add("table.diff outside <details>")

    def handle_endtag(self, tag):
        if tag == "details":
            self.open_details -= 1


def _outline(page):
    parser = _Outline()
    parser.feed(page)
    parser.close()
    return parser


def test_contents_verdict_first_diffs_folded(report_dir):
    page = (report_dir / "index.html").read_text()
    outline = _outline(page)
    first = {}
    for pos, what, _ in outline.events:
        first.setdefault(what, pos)
    # a table of contents at the top, linking to the verdict, every example and every diff
    assert first["contents"] == min(first.values())
    contents = page[page.index("<nav id='contents'>"):page.index("</nav>")]
    for target in ("#verdict", "#examples", "#diffs", *(f"#{e}" for e in STEPS),
                   *(f"#diff-{e}" for e in STEPS)):
        assert f"href='{target}'" in contents, target
    # the verdict (overall pass/fail and the parity table) before any example or diff
    verdict = page.index("<h2 id='verdict'>")
    assert verdict < page.index("<table class='parity'>") < page.index("<h2 id='examples'>")
    assert "all parity checks pass" in page[verdict:] or "PARITY FAILED" in page[verdict:]
    for eid in STEPS:
        assert f"<h2 id='{eid}'>" in page
        assert first["verdict"] < first[eid] < first["diffs"] < first[f"diff-{eid}"]
    # every diff table sits inside a <details> that is closed by default
    assert first["table.diff"] > first["diffs"]
    assert "table.diff outside <details>" not in outline.in_details_ids
    assert {f"diff-{e}" for e in STEPS} <= outline.in_details_ids
    assert len(outline.details) == len(STEPS)
    assert all("open" not in attrs for attrs in outline.details)


def test_every_internal_anchor_resolves(report_dir):
    page = (report_dir / "index.html").read_text()
    assert page.count("href='#") >= 3 * len(STEPS)  # contents, per-example diff links
    assert report_check.anchor_problems(page) == []


def test_the_anchor_check_finds_dead_and_doubled_anchors():
    page = ("<a href='#a'>a</a><a href='#gone'>x</a><h2 id='a'>A</h2><p id='b'></p>"
            "<p id='b'></p><a href='other.html#x'>not internal</a>")
    assert report_check.anchor_problems(page) == ["dead anchor: #gone", "id used twice: b"]


def test_a_diff_that_cannot_be_shown_leaves_no_dead_link(report_dir, tmp_path, monkeypatch):
    """An example whose diff is unavailable (its modules are missing) gets no link to it."""
    for item in report_dir.iterdir():
        if item.suffix == ".json":
            shutil.copy(item, tmp_path / item.name)

    def no_diff(example):
        raise FileNotFoundError(f"{example.id}: module not found")

    monkeypatch.setattr(report, "html_fragment", no_diff)
    index, _ = report.build_from_folder(tmp_path)
    page = index.read_text()
    assert "diff unavailable" in page and "<details" not in page
    assert report_check.anchor_problems(page) == []


# --- in a browser ----------------------------------------------------------------------------

def _need_chromium():
    if report_check.chromium() is None:
        pytest.skip(f"needs Debian's chromium: {report_check.INSTALL}")


def test_report_renders_in_chromium_every_image_loaded_no_console_error(report_dir):
    _need_chromium()
    record, console = report_check.render(report_dir / "index.html")
    images = record["images"]
    page = (report_dir / "index.html").read_text()
    assert len(images) == page.count("<img ") >= len(STEPS)  # the browser saw every figure
    assert {img["src"] for img in images} >= {f"{e}_loss.png" for e in STEPS}
    assert all(img["complete"] and img["width"] > 0 for img in images), images
    assert record["problems"] == []
    assert console == []
    assert report_check.render_problems(report_dir / "index.html") == []


def test_the_browser_check_sees_a_broken_image_and_a_console_error(report_dir, tmp_path):
    _need_chromium()
    page = (report_dir / "index.html").read_text()
    broken = page.replace("</body>", "<img src='missing.png'><script>console.error('boom')"
                                     "</script></body>")
    for item in report_dir.iterdir():
        if item.suffix == ".png":
            shutil.copy(item, tmp_path / item.name)
    (tmp_path / "index.html").write_text(broken)
    problems = report_check.render_problems(tmp_path / "index.html")
    assert "failed to load: missing.png" in problems
    assert "image not loaded: missing.png" in problems
    assert "console.error: boom" in problems
    assert any(p.startswith("console: ") and "boom" in p for p in problems)
    assert not any("_loss.png" in p for p in problems)  # the real images still load


def test_screenshot_is_a_png_of_the_first_screen(report_dir, tmp_path):
    _need_chromium()
    png = report_check.screenshot(report_dir / "index.html", tmp_path / "img" / "report.png",
                                  width=640, height=400)
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (640, 400)
    assert [p.name for p in png.parent.iterdir()] == ["report.png"]  # no temporary left


def test_report_check_command(report_dir, tmp_path, capsys):
    assert report_check.main([str(tmp_path / "missing.html")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("report_check: error: ") and "no such file" in err[0]
    _need_chromium()
    assert report_check.main([str(report_dir / "index.html"), "--window-size", "wide"]) == 2
    assert "--window-size" in capsys.readouterr().err
    png = tmp_path / "shot.png"
    assert report_check.main([str(report_dir / "index.html"), "--screenshot", str(png),
                              "--window-size", "800,600"]) == 0
    out = capsys.readouterr().out
    assert "no problem found" in out and png.is_file()
