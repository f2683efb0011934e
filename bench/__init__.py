"""Benchmarks: `python -m bench [NAME ...]` runs bench/bench_*.py (each a script with a main())."""
