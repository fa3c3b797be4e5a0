"""Benchmarks: `make bench` runs them and writes bench/RESULTS.md (date, machine, figures)."""
