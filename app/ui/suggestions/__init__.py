"""The suggestions panel: review spaCy's suggested passages with one key each (spec §7)."""
