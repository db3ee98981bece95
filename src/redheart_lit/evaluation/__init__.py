"""Pure metric functions for held-out evaluation (numpy in, numbers out).

Each file holds one kind of metric: ``classification`` (F1, accuracy, AUROC, pairwise
accuracy), ``thresholds`` (per-label decision thresholds tuned on dev), ``ekman``
(GoEmotions -> Ekman groups), ``korean`` (derived Korean cultural composites) and
``calibration_error`` (ECE). ``redheart_lit.evaluate`` runs a checkpoint and calls them.
"""
