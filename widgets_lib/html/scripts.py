"""The few scripts a page runs, each a fixed string or built from checked values only: the learner code in
the address bar (so a reload keeps it), taken out again, and the tutor key's box."""

from __future__ import annotations

from .. import identity


def url_script(code: str) -> str:
    """A script that puts the learner code in the address bar, so reloading keeps it."""
    safe = identity.normalise_code(code)  # only our alphabet and dashes reach the page
    return (
        "<script>(function(){var u=new URL(window.location.href);"
        f"if(u.searchParams.get('learner')!=='{safe}'){{u.searchParams.set('learner','{safe}');"
        "window.history.replaceState(null,'',u.toString());}})();</script>"
    )


def forget_script() -> str:
    """A script that takes the learner code out of the address bar (after the learner deleted their data)."""
    return (
        "<script>(function(){var u=new URL(window.location.href);u.searchParams.delete('learner');"
        "window.history.replaceState(null,'',u.toString());})();</script>"
    )


# Select the new tutor key in its box as soon as the box is drawn (the widget may arrive after this script),
# and again whenever it is focused (no handler in the HTML: the page's HTML never holds on… attributes).
SELECT_KEY = (
    "<script>(function(){var n=0;(function pick(){var box=document.querySelector('input.course-key');"
    "if(box){box.addEventListener('focus',function(){box.select();});box.focus();box.select();}"
    "else if(n++<100){setTimeout(pick,100);}})();})();</script>"
)


# Take the tutor key out of the address bar: a projected or printed page (Chrome prints the address) keeps it.
FORGET_KEY = (
    "<script>(function(){var u=new URL(window.location.href);if(u.searchParams.has('key')){"
    "u.searchParams.delete('key');window.history.replaceState(null,'',u.toString());}})();</script>"
)
