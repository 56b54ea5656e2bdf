"""Benchmarks: `python -m bench` runs every bench/<name>.py that has a main(); results in bench/results/."""
