"""The waiting-hall display board: current calls, history, queues, voice calls.

`state.py` holds what is on screen and what is to be spoken (Qt-free, injected clock);
`voice.py` speaks through `hardware.speech`; `view.py` paints the board; `main.py` composes it.
Importing this package loads no Qt.
"""
