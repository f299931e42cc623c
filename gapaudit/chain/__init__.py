"""Chain scale: many stores at once.

``batch`` runs many audits in a process pool or on Dask, ``rollup`` builds the
headquarters report from many results, ``history`` records results over time.
"""
