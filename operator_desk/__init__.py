"""The specialist's desk app, the floor administrator's view and the rating terminal at each
window. Qt-free logic lives in `state.py` and `rating_state.py`; nothing builds a window at import.
"""
