"""ringmon: a live terminal monitor of call-center employees' telephony presence."""

__version__ = "0.1.0"
