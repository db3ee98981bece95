"""LLM-assisted labelling ("Helping AI"): ``python -m redheart_lit.label`` (docs/labelling.md).

One module per job: ``settings`` (typed config of a run), ``schema`` (the answer the model
must give), ``prompts``, ``cache``, ``merge`` (the answer into a record), ``run`` (a whole
file), ``dry_run``, ``progress``, ``agreement`` and ``gold`` (how far the labels agree
with human ones). What the server's helper shares with it (the ``llm.*`` settings, the
client and its transport retries, the budget, the ask-validate-re-ask loop, the key out
of logs, the shared schema and prompt pieces) is in :mod:`redheart_lit.llm`. Nothing here
imports Lightning or torch.
"""
