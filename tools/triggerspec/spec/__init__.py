"""Specs: loading, the contract model, rules, regex portability and lint."""
