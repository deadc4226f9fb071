"""Devices: ESC/POS ticket printer, speech and chime, barcode scanner; each with a Fake."""
