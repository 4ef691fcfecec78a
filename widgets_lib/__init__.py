"""Widgets, models and storage for the school capacity and networks course.

Layers: pure models and the store at the top of the package; ``html`` (every piece of HTML and SVG);
``views`` (the widgets); ``server`` (serving, the hub hooks and the Voila template).
Notebooks use :class:`widgets_lib.views.lesson.Lesson` and nothing else.
"""

__all__ = ["CourseError", "__version__"]
__version__ = "0.1.0"


class CourseError(ValueError):
    """The only exception whose text a learner sees: a sentence written for them, naming what and where
    (a school that does not exist, an answer off its scale, a file without its columns). Every other
    exception is a fault of the course: logged for the operator with a short reference, and the learner
    gets a plain sentence with that reference (``views.common.guarded``)."""
