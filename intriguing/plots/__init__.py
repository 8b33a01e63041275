"""Plots drawn from records: curves (:mod:`.lines`, :mod:`.curves`), reliability diagrams (:mod:`.reliability`),
attention maps (:mod:`.attention_maps`)."""

from intriguing.plots.lines import line_plot

__all__ = ["line_plot"]
