"""The benchmarks (``make bench``, bench/run_all.py): each module runs alone as
``python -m bench.<name>`` from the repository's folder."""
