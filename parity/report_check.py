"""Look at an HTML report as a reader does: its links, and in a real browser.

- ``anchor_problems`` parses the page: every internal link (``href="#x"``) must have an
  element with ``id="x"``, and no id may be used twice.
- ``render_problems`` opens a copy of the page in headless Chromium (Debian's
  ``chromium``) with a small script injected that records, into the page itself, every
  resource that failed to load, every uncaught error and ``console.error`` call, and each
  image's ``naturalWidth`` once the page has loaded; ``--dump-dom`` hands the page back.
  A message the page logged to the console is a problem too (Chromium writes those to its
  log as ``CONSOLE`` lines).
- ``screenshot`` writes a PNG of the page's first screen (the README's picture:
  ``python -m parity.report_check results/index.html --screenshot docs/img/report.png``).

Needs ``chromium`` (``apt-get install -y chromium``; ``INSTALL`` says so).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path

INSTALL = "apt-get install -y chromium"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--hide-scrollbars", "--no-first-run", "--mute-audio"]
MARK = "parity-render-check"

_PROBE = """<script>/* @MARK@ */
(function () {
  var problems = [];
  window.addEventListener('error', function (e) {
    var t = e.target;
    if (t && t !== window && t.getAttribute) {
      problems.push('failed to load: ' + (t.getAttribute('src') || t.getAttribute('href')));
    } else {
      problems.push('uncaught error: ' + e.message);
    }
  }, true);
  var consoleError = console.error;
  console.error = function () {
    problems.push('console.error: ' + Array.prototype.join.call(arguments, ' '));
    return consoleError.apply(console, arguments);
  };
  window.addEventListener('load', function () {
    var images = Array.prototype.map.call(document.images, function (img) {
      return {src: img.getAttribute('src'), complete: img.complete, width: img.naturalWidth};
    });
    var out = document.createElement('pre');
    out.id = '@MARK@';
    out.textContent = JSON.stringify({problems: problems, images: images});
    document.body.appendChild(out);
  });
})();
</script>""".replace("@MARK@", MARK)


def chromium() -> str | None:
    """The path of a Chromium to run, or None."""
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


class _Anchors(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids, self.links = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.append(attrs["id"])
        href = attrs.get("href")
        if tag == "a" and href and href.startswith("#"):
            self.links.append(href[1:])


def anchor_problems(page: str) -> list[str]:
    """Internal links without a target, and ids used twice (each as one line)."""
    parser = _Anchors()
    parser.feed(page)
    parser.close()
    ids = set(parser.ids)
    problems = [f"dead anchor: #{x}" for x in sorted(set(parser.links)) if x not in ids]
    problems += [f"id used twice: {x}" for x in sorted(ids) if parser.ids.count(x) > 1]
    return problems


def _run(args: list[str], timeout: float) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="parity-chromium-") as profile:
        env = dict(os.environ, HOME=profile)  # Chromium writes its profile and caches there
        return subprocess.run([*args[:1], *FLAGS, f"--user-data-dir={profile}", *args[1:]],
                              capture_output=True, text=True, timeout=timeout, env=env)


def render(index, timeout: float = 120) -> tuple[dict, list[str]]:
    """Open ``index`` in headless Chromium; return (what the injected probe recorded: its
    ``problems`` and ``images``, the console lines Chromium logged)."""
    browser = chromium()
    if browser is None:
        raise FileNotFoundError(f"no chromium found; install it with: {INSTALL}")
    index = Path(index).resolve()
    page = index.read_text(encoding="utf-8")
    head = re.search(r"<head[^>]*>", page, re.I)
    at = head.end() if head else 0
    probe = index.with_name(f".{index.stem}.{MARK}.html")  # beside it: relative paths still resolve
    probe.write_text(page[:at] + _PROBE + page[at:], encoding="utf-8")
    try:
        proc = _run([browser, "--enable-logging=stderr", "--v=0", "--virtual-time-budget=10000",
                     "--dump-dom", probe.as_uri()], timeout)
    finally:
        probe.unlink()
    found = re.search(rf'<pre id="{MARK}">(.*?)</pre>', proc.stdout, re.S)
    if not found:
        raise RuntimeError(f"chromium exited {proc.returncode} without the page's record; "
                           f"its log ends: {proc.stderr[-1500:]}")
    import html

    record = json.loads(html.unescape(found.group(1)))
    console = [ln for ln in proc.stderr.splitlines() if ":CONSOLE" in ln]
    return record, console


def render_problems(index, timeout: float = 120) -> list[str]:
    """What a reader of ``index`` would meet: images that did not load, errors, console
    messages (each as one line); [] when none."""
    record, console = render(index, timeout)
    problems = list(record["problems"])
    problems += [f"image not loaded: {img['src']}" for img in record["images"]
                 if not img["complete"] or not img["width"]]
    problems += [f"console: {ln.split('] ', 1)[-1]}" for ln in console]
    return problems


def screenshot(index, png, width: int = 1280, height: int = 900, timeout: float = 120) -> Path:
    """A PNG of the first ``width`` x ``height`` pixels of ``index`` (written to a temporary
    name, then renamed)."""
    browser = chromium()
    if browser is None:
        raise FileNotFoundError(f"no chromium found; install it with: {INSTALL}")
    png = Path(png)
    png.parent.mkdir(parents=True, exist_ok=True)
    tmp = png.with_name(f".{png.name}.tmp.png")
    proc = _run([browser, f"--screenshot={tmp.resolve()}", f"--window-size={width},{height}",
                 "--virtual-time-budget=10000", Path(index).resolve().as_uri()], timeout)
    if proc.returncode != 0 or not tmp.is_file() or tmp.stat().st_size == 0:
        tmp.unlink(missing_ok=True)
        raise RuntimeError(f"chromium exited {proc.returncode} without a screenshot; "
                           f"its log ends: {proc.stderr[-1500:]}")
    os.replace(tmp, png)
    return png


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m parity.report_check",
        description="Check an HTML report in headless Chromium (links, images, console), "
                    "and optionally take a screenshot of it.")
    p.add_argument("index", help="the report's index.html (parity all writes results/index.html)")
    p.add_argument("--screenshot", metavar="PNG",
                   help="also write a PNG of the page's first screen (the README's is "
                        "docs/img/report.png)")
    p.add_argument("--window-size", default="1280,900", metavar="W,H",
                   help="the screenshot's size in pixels (default: 1280,900)")
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    index = Path(args.index)
    if not index.is_file():
        print(f"report_check: error: {index}: no such file", file=sys.stderr)
        return 2
    if chromium() is None:
        print(f"report_check: error: no chromium found; install it with: {INSTALL}",
              file=sys.stderr)
        return 2
    try:
        width, height = (int(v) for v in args.window_size.split(","))
    except ValueError:
        print(f"report_check: error: --window-size {args.window_size!r}: give W,H in pixels",
              file=sys.stderr)
        return 2
    problems = anchor_problems(index.read_text(encoding="utf-8")) + render_problems(index)
    for line in problems:
        print(f"report_check: {line}", file=sys.stderr)
    if args.screenshot:
        print(f"screenshot: {screenshot(index, args.screenshot, width, height)}")
    print(f"{index}: {'no problem found' if not problems else f'{len(problems)} problem(s)'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
