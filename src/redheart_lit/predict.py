"""``python -m redheart_lit.predict ...``: the same command as ``redheart_lit.cli.predict``."""

from redheart_lit.cli.predict import main

if __name__ == "__main__":
    main()
