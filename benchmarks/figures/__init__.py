"""One module per group of figures; each registers itself with ``benchmarks.core.section``.

run.py imports every module here, so a new row is a new module (or a new function in one).
"""
