"""Widgets, models and storage for the school capacity and networks course.

Models (pure Python, no widget imports) live in ``capacity``, ``perspectives``,
``lessons``, ``identity`` and ``store``; their views live in ``widget_*`` modules.
Notebooks use :class:`widgets_lib.views.lesson.Lesson` and nothing else.
"""

__all__ = ["CourseWarning", "__version__"]
__version__ = "0.1.0"


class CourseWarning(UserWarning):
    """Warnings raised by the course library (errors in the test suite)."""
