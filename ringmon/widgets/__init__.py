"""Textual widgets: they render what the model computed, nothing more."""
