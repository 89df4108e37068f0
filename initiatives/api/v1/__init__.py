"""The v1 endpoints: parse input, call one service or selector, serialize. Nothing else."""
