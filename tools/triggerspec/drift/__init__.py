"""Drift: what the vendors' pages say versus what the specs say, and what a spec edit breaks.

``docs check`` extracts a typed *docs view* from each page snapshot (curl examples, JSON
examples, field lists) and compares it with the contract model; ``diff`` classifies the
changes between two versions of a spec by who they break; ``update`` swaps in a new page
snapshot and shows the drift. Known differences live in a reviewed list with reasons
(``specs/docs/drift-decisions.yaml``).
"""
