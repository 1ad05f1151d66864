"""The seals context's tables."""
