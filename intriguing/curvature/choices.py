"""Names of the curvature options' choices, torch-free so experiment configs can import them cheaply."""

DATA_CONDITIONS = ("augmented", "clean")  # fixed batch set with seeded crop + flip, or as decoded
IGNORES = ("biasbn", "none")  # 1-D parameters: zero direction (Li et al.'s biasbn) or the weight
NORMS = ("filter", "paper")  # per output filter (Li et al.) or over dim 0 (Park & Kim's code)
L2_KINDS = ("squared", "paper")  # (wd/2)*||theta||^2, or Park & Kim's wd * sum of per-tensor norms
