"""Train redheart_lit. `python train.py --help` lists the config groups; see README.md."""

from redheart_lit.cli.train import main

if __name__ == "__main__":
    main()
