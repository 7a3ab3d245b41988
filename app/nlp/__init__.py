"""Suggested passages with spaCy (spec §7). Only this package imports spaCy, always lazily."""
