"""Pure metric functions for held-out evaluation (numpy in, numbers out).

Each file holds one kind of metric: ``classification`` (F1, accuracy, AUROC, pairwise
accuracy), ``ekman`` (GoEmotions -> Ekman groups), ``korean`` (derived Korean cultural
composites), ``calibration_error`` (ECE) and ``report`` (metrics.json and report.md).
The per-label thresholds are tuned in ``model/aux/thresholds.py``.
``redheart_lit.evaluation.run`` runs a checkpoint (Lightning) and calls each task's
held-out metrics; nothing here imports it.
"""
