"""What every LLM question of the project shares: the labeller (``redheart_lit.label``) and
the server's optional helper (``serve.helping_ai``, :mod:`redheart_lit.llm.helper`).

One module per job: ``settings`` (``llm.*`` and the key from the environment), ``client``
(one chat-completions request, transport retries), ``budget`` (spend and caps), ``ask``
(ask, validate, ask again with the errors), ``schema`` and ``prompts`` (the shared answer
and prompt pieces), ``redact`` (the key out of logs and messages), ``helper`` (the
server's question: the ethical context and a counterfactual). No torch, no Lightning, no
HTTP server: the labeller's CLI and the server both import it; it imports neither.
"""
