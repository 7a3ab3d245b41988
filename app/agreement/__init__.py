"""agreement package."""
