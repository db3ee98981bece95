"""Write SURD training rows on ETHICS commonsense: ``python -m redheart_lit.cli.label_surd``.

The recipe is :mod:`redheart_lit.surd.labelling` (docs/surd.md).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence

from redheart_lit.cli.dotlist import parse
from redheart_lit.surd.labelling import LabelArgs, label

USAGE = (
    "usage: python -m redheart_lit.cli.label_surd emotion_ckpt=PATH ethics_ckpt=PATH out=DIR "
    "[data_root=ETHICS_DIR] [bins=3]"
)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse(LabelArgs, sys.argv[1:] if argv is None else argv, USAGE)
    recipe = label(args)
    print(json.dumps(recipe["constant_baseline"]))


if __name__ == "__main__":
    main()
