"""Benchmarks: each prints its figures and a ratio against a bare baseline measured in the same run."""
