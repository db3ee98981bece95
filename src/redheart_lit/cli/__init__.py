"""Command-line entry points: train, eval, export, predict, params, memory (thin: logic lives below)."""
