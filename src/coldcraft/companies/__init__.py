"""Companies: the database cache of company research per domain (docs/research.md)."""
