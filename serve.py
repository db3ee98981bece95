"""Serve an exported model: `python serve.py ckpt=DIR`. `--help` lists the options; see README.md."""

from redheart_lit.serving.main import main

if __name__ == "__main__":
    main()
