"""Evaluate a checkpoint on a held-out split: `python eval.py ckpt=PATH data.split=test`.

See docs/evaluation.md.
"""

from redheart_lit.cli.eval import main

if __name__ == "__main__":
    main()
