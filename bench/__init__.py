"""Okno performance benchmarks: `python -m bench` runs them all, `python -m bench.NAME` one.

Each benchmark starts a real `okno server` process on 127.0.0.1 (port 0) over a SQLite file in a
temporary directory, measures one figure, and prints it next to a baseline measured in the same
run, so that a busy machine shows in both. No benchmark asserts on timings.
"""
