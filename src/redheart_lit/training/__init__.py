"""Training-side helpers above the task modules: loading checkpoints."""
