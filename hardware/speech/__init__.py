"""Voice announcements: phrases, the pyttsx3 synthesizer, the chime, players and the announcer.

Importing this package starts no engine, no thread and no Qt; everything starts on first use.
"""
