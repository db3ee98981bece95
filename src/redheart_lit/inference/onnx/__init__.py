"""The ONNX Runtime path: export the whole inference graph (``graph.py``, needs torch) and
serve it from the orchestrator (``redheart_lit.edge`` runs it, torch-free)."""
