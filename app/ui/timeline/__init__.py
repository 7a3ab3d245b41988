"""The rupture timeline dock."""
