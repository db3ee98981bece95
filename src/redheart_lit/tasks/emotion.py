"""The emotion task: 28 GoEmotions labels, multi-label.

Readout: ``tasks/readout/emotion.py`` (analyzer, DSP, head, temperatures, thresholds).
Loss: ``conf/loss/emotion/`` (focal by default) on the labelled rows' logits.
Metrics: macro and micro F1 at 0.5 during training (``eval.py`` uses the tuned thresholds).
"""

from __future__ import annotations

from redheart_lit.tasks.base import TaskModule
from redheart_lit.tasks.readout.emotion import EmotionReadout
from redheart_lit.tasks.spec import EMOTION


class EmotionTask(TaskModule):
    spec = EMOTION
    readout_cls = EmotionReadout
