"""``intriguing reproduce PAPER``: every table and figure of a paper in one command, with a report that sets each
measured number beside the published one.

    plans.py      the two papers as plans of steps (one existing experiment per table / figure, the paper's settings)
    models.py     the papers' models as roles; who plays each (--models paper | offline, --map)
    published.py  the published numbers (intriguing/published/<paper>.yaml) and their schema
    run.py        runs the steps into OUT/<step>/ (resume, failure isolation, torchrun)
    extract.py    one measured number (and its 95% CI) from a step's records
    compare.py    the verdicts: agrees / differs / not comparable / not run
    report.py     report.md, self-contained report.html, report.json
    estimate.py   --dry-run: forward passes and time per step on this device

Nothing here is imported by the experiments; it sits beside the runner and calls ``intriguing.run_result``.
"""

from __future__ import annotations

PAPERS = ("naseer2021", "park2022")
