"""LLM-assisted labelling ("Helping AI"): ``python -m redheart_lit.label`` (docs/labelling.md).

One module per job: ``settings`` (typed config), ``schema`` (the answer the model must
give), ``prompts``, ``client`` (requests and transport retries), ``cache``, ``budget``,
``merge`` (the answer into a record), ``run`` (a whole file), ``dry_run``, ``progress``,
``redact`` (the key out of logs), ``agreement`` and ``gold`` (how far the labels agree with
human ones). Nothing here imports Lightning or torch.
"""
