"""``python -m redheart_lit.export ckpt=PATH out=DIR [format=onnx] [quantize=int8]``.

The short name of :mod:`redheart_lit.cli.export`, where the command lives.
"""

from redheart_lit.cli.export import main

if __name__ == "__main__":
    main()
