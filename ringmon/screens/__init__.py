"""Textual screens: the board (main), the profile, the call log, help."""
