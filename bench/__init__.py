"""Benchmarks, run with `python -m bench NAME` (not part of the test suite)."""
