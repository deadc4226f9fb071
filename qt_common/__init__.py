"""What every Okno PySide6 app shares: start on the qasync loop, settings, the Qt face of the
client session, theme, translations, connection banner, kiosk-mode window, screenshots.

Importing this package (or any of its modules) builds nothing: no QApplication, no loop, no
settings are read until an app's composition root asks for them.
"""
