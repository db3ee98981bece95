"""Ethics settings that reinterpret the model's outputs without retraining it.

``culture.py``: the cultural weight tables of the Bentham utility (``culture=none|western|
eastern|korean``), a documented design choice, not learned from data (docs/culture.md).
"""
