"""Shared analysis: what several audit modules (built-in or a chain's) compute alike.

``stats`` (intervals, alpha, rank correlation), ``evidence`` (the survey parsed
once, customer importance), ``scoring`` (grades, priority, weights),
``checklist`` (review questions), ``tagged`` (evidence scored by factor or
element) and ``complaints`` (complaint and error analytics). Pure functions of
their input; no I/O.
"""
