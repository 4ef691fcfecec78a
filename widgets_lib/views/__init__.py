"""The course's widgets (views): what a page shows, built on ipywidgets."""

from .shared_looks import install

install()  # one layout and one style widget for all that look alike (shared_looks.py)
