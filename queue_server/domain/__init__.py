"""Pure queue rules: ticket lifecycle, call order, numbering, wait estimate. No I/O, no framework.

Imports nothing from the project but itself; tested without a database.
"""
