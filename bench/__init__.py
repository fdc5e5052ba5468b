"""Benchmarks: scripts run as ``.venv/bin/python -m bench.<name>`` from the repo root.

Each prints figures measured side by side in one run (the machine is shared and noisy, so
only ratios and quality figures from the same run are comparable). See bench/README.md.
"""
