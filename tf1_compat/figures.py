"""``plt.show()`` without a display: every open figure is saved as a numbered PNG instead.

The figures go to one folder (``legacy-run --figures DIR``; by default
``./legacy_run_figures/<script stem>/`` in the current directory) as ``figure_001.png``,
``figure_002.png``, ... in the order they were shown; each saved path is reported on stderr.
After a blocking ``show()`` the figures are closed, as closing the windows would have done;
in interactive mode (``plt.ion()``) they stay open. ``plt.pause()`` returns at once.
"""

from __future__ import annotations

import os
import sys


class FigureSaver:
    def __init__(self, folder: str):
        self.folder = folder
        self.count = 0
        self._saved = {}  # pyplot attribute -> original function

    def show(self, *args, **kwargs):
        """Save every open figure as the next numbered PNG (closed after, unless interactive)."""
        import matplotlib
        import matplotlib.pyplot as plt
        from matplotlib._pylab_helpers import Gcf

        managers = sorted(Gcf.get_all_fig_managers(), key=lambda m: m.num)
        if managers:
            os.makedirs(self.folder, exist_ok=True)
        for manager in managers:
            self.count += 1
            path = os.path.join(self.folder, f"figure_{self.count:03d}.png")
            tmp = os.path.join(self.folder, f".figure_{self.count:03d}.tmp.png")
            manager.canvas.figure.savefig(tmp)
            os.replace(tmp, path)
            print(
                f"parity legacy-run: plt.show(): figure {manager.num} saved to {path}",
                file=sys.stderr,
                flush=True,
            )
        if not matplotlib.is_interactive() and kwargs.get("block", True) is not False:
            plt.close("all")

    def pause(self, interval):
        """Draw the current figure and return at once (no event loop to run)."""
        import matplotlib.pyplot as plt

        if plt.get_fignums():
            plt.gcf().canvas.draw_idle()

    def patch(self, plt) -> None:
        # plain functions, not bound methods: pyplot.switch_backend sets their __signature__
        def show(*args, **kwargs):
            return self.show(*args, **kwargs)

        def pause(interval):
            return self.pause(interval)

        for name, function in (("show", show), ("pause", pause)):
            if name not in self._saved:
                self._saved[name] = getattr(plt, name)
                function.__doc__ = (
                    "parity legacy-run: " + (self.show if name == "show" else self.pause).__doc__
                )
                setattr(plt, name, function)

    def unpatch(self) -> None:
        plt = sys.modules.get("matplotlib.pyplot")
        if plt is not None:
            for name, original in self._saved.items():
                setattr(plt, name, original)
        self._saved.clear()
