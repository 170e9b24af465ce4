"""The pure domain of ringmon: every rule of the report lives here, once.

No I/O, no asyncio, no Textual: the hub and the client import the same code, so a number on
screen and a number over REST can never disagree.
"""
