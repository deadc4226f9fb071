"""The lobby kiosk: a ticket in two taps, booking check-in, printing through `hardware`.

`state.py` holds the flow without Qt; `views.py` builds the screens; `controller.py` joins them
to the server session and the printer; `main.py` is the composition root; `cli.py` adds
`okno kiosk`.
"""
