"""Pure queue rules: ticket lifecycle, call order, numbering, wait estimate. No I/O."""
