"""Benchmarks: speed and memory as ratios against baselines measured in the same run.

``python -m benchmarks [--quick] [--json FILE]``; see ``benchmarks/__main__.py``.
Kept import-free so child processes start fast.
"""
