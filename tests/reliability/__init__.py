"""Reliability tests: faults injected under the real product paths."""
