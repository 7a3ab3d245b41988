"""The 3RS window grid dock (windows x codes, ticks and significance ratings)."""
