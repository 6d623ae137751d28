"""Benchmarks: each module compares publish with a baseline tool in the same run.

`python -m benchmarks` runs them all (or `python -m benchmarks pdf sms`); each one also runs
alone as `python -m benchmarks.<name>`. Tables go to stdout, JSON to `benchmarks/results/`.
"""
