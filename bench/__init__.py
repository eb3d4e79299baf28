"""Benchmarks: each compares against a baseline in the same run and prints one JSON line last."""
