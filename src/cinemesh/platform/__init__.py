"""The shared kernel every service stands on. No business rules live here."""
