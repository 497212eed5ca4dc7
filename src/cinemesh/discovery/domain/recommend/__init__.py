"""Recommendation models and rules (no I/O): EASE, the co-watch graph, metadata similarity,
trending with time decay, and the rows a profile is shown."""
