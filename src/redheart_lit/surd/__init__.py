"""SURD: the exact decomposition, the targets it gives on labelled data, and the labelling run.

* ``decomposition``: Synergistic-Unique-Redundant Decomposition (numpy only).
* ``targets``: agents and targets on ETHICS rows, quantile bins, shares per part.
* ``labelling``: ``python -m redheart_lit.cli.label_surd``, which writes SURD training rows.
"""
