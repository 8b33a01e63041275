"""Test helper: every text a saved figure draws lies inside the saved canvas (nothing clipped at an edge).

:func:`check_saved_figures` patches ``Figure.savefig``: before each save the figure is drawn once with every
``Text.draw`` recorded (so only the texts actually drawn count: tick labels of ticks outside the view, empty
strings and invisible texts are not drawn), and each drawn text's window extent is compared with the canvas the
save writes: the figure's box, or with ``bbox_inches="tight"`` the tight box plus its padding. Axes titles are also
checked not to run into another axes."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.figure  # noqa: E402
import matplotlib.text  # noqa: E402
from matplotlib.transforms import Bbox  # noqa: E402

TOLERANCE_PX = 1.0


def drawn_texts(fig) -> list[tuple]:
    """(text, extent in display pixels) of every non-empty text drawing the figure draws."""
    if not hasattr(fig.canvas, "get_renderer"):  # a bare Figure(): give it the Agg canvas savefig would use
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(fig)
    seen: list[tuple] = []
    real = matplotlib.text.Text.draw

    def record(self, renderer):
        real(self, renderer)
        if self.get_visible() and self.get_text().strip():
            seen.append((self.get_text(), self.get_window_extent(renderer)))

    matplotlib.text.Text.draw = record
    try:
        fig.canvas.draw()
    finally:
        matplotlib.text.Text.draw = real
    return seen


def canvas(fig, bbox_inches=None, pad_inches=None) -> Bbox:
    """The part of the figure a save with these options writes, in display pixels."""
    if bbox_inches != "tight":
        return fig.bbox
    renderer = fig.canvas.get_renderer()
    pad = matplotlib.rcParams["savefig.pad_inches"] if pad_inches in (None, "layout") else pad_inches
    tight = fig.get_tightbbox(renderer).padded(pad)  # inches
    return Bbox.from_extents(*(fig.dpi_scale_trans.transform(tight.get_points()).flatten()))


def title_overlaps(fig) -> list[str]:
    """Axes titles that run into another axes (e.g. a row title over the image above)."""
    renderer = fig.canvas.get_renderer()
    axes = [ax for ax in fig.axes if ax.get_visible()]
    bad = []
    for ax in axes:
        if not ax.title.get_text().strip():
            continue
        t = ax.title.get_window_extent(renderer)
        for other in axes:
            o = other.get_window_extent(renderer)
            if other is ax or o.extents.tolist() == ax.get_window_extent(renderer).extents.tolist():
                continue  # itself, or a twin sharing its box
            if (
                t.x0 < o.x1 - TOLERANCE_PX
                and o.x0 < t.x1 - TOLERANCE_PX
                and t.y0 < o.y1 - TOLERANCE_PX
                and o.y0 < t.y1 - TOLERANCE_PX
            ):
                bad.append(f"title {ax.title.get_text()!r} overlaps an axes at {[round(v) for v in o.extents]}")
    return bad


def outside(fig, texts: list[tuple], bbox_inches=None, pad_inches=None) -> list[str]:
    """The ``texts`` (from :func:`drawn_texts`) that leave the saved canvas, and where."""
    box = canvas(fig, bbox_inches, pad_inches)
    bad = []
    for text, e in texts:
        if (
            e.x0 < box.x0 - TOLERANCE_PX
            or e.x1 > box.x1 + TOLERANCE_PX
            or e.y0 < box.y0 - TOLERANCE_PX
            or e.y1 > box.y1 + TOLERANCE_PX
        ):
            bad.append(f"{text!r}: {[round(v) for v in e.extents]} outside {[round(v) for v in box.extents]}")
    return bad


@contextlib.contextmanager
def check_saved_figures() -> Iterator[dict[str, dict]]:
    """Within the block, every ``savefig`` is checked first; yields {saved file name: {"texts": [(text, extent)],
    "axes": [axes extents]}}. Raises AssertionError naming the file and the texts when one leaves its canvas or
    an axes title runs into another axes."""
    real = matplotlib.figure.Figure.savefig
    saved: dict[str, dict] = {}

    def checked(fig, fname, *args, **kwargs):
        texts = drawn_texts(fig)
        bad = outside(fig, texts, kwargs.get("bbox_inches"), kwargs.get("pad_inches")) + title_overlaps(fig)
        assert not bad, f"{fname}: {bad}"
        renderer = fig.canvas.get_renderer()
        saved[Path(str(fname)).name] = {"texts": texts, "axes": [ax.get_window_extent(renderer) for ax in fig.axes]}
        return real(fig, fname, *args, **kwargs)

    matplotlib.figure.Figure.savefig = checked
    try:
        yield saved
    finally:
        matplotlib.figure.Figure.savefig = real
