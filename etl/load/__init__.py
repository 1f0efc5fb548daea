"""Loading returns (return-spec section 4) and validating them without writing (section 5).

``loader.load_files`` runs a load command: the lock, then per file the archive copy, the checks,
the pure decision (``decide``: load, quarantine, reject or skip as already loaded) and the one
transaction that carries it out (``write``, whose SQL is in ``store``, rows shaped by
``stored_rows``). ``validate.validate_files`` runs the same checks read-only. ``result`` holds what
a command gives back per file (``FileResult``) and ``LoadError``.
"""
