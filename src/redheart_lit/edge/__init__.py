"""Run an ONNX bundle with onnxruntime, tokenizers and numpy only: no torch, no Lightning.

Nothing in this package may import torch, transformers or Lightning (a test runs it with
those imports blocked). The server's ``serve.runtime=onnxruntime`` uses the same
:class:`~redheart_lit.edge.session.OnnxSession`; this package adds only the small
torch-free result of :mod:`redheart_lit.edge.run`. See ``docs/edge.md``.
"""
