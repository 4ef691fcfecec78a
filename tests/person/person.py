"""Acting on a page as a person does: scroll with the wheel, the keyboard or a finger until the
thing is in view, check that it is, then press it.

Playwright scrolls an element into view by itself before it clicks, types or chooses, so a test
that clicks a button 4,000 px down passes on a page that a person cannot scroll at all. Every
helper here brings the target into the viewport by the person's own means first, asserts it is
there (``expect(locator).to_be_in_viewport()``) and only then acts, at the target's place on the
screen.
"""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

WHEEL_STEP = 400  # pixels per wheel movement: a few notches of a mouse wheel
MAX_MOVES = 400  # far more than any page needs; a page that cannot scroll fails long before
VIEW_TIMEOUT_MS = 10_000


def _viewport(page: Page) -> tuple[int, int]:
    size = page.viewport_size
    assert size is not None
    return size["width"], size["height"]


def scroll_y(page: Page) -> float:
    return page.evaluate("() => window.scrollY")


def _plain_point(page: Page) -> tuple[float, float]:
    """A point over the page itself, not over a network drawing (whose frame takes the wheel
    for itself): where a person rests the pointer to scroll."""
    width, height = _viewport(page)
    for x, y in (
        (4, height / 2),
        (4, height / 4),
        (width - 4, height / 2),
        (width / 2, height / 2),
    ):
        inside_frame = page.evaluate(
            "([x, y]) => { const e = document.elementFromPoint(x, y); return !!e && e.tagName === 'IFRAME'; }",
            [x, y],
        )
        if not inside_frame:
            return x, y
    return width / 2, height / 2


_SIZES = (
    "() => `scrollY ${window.scrollY}, innerHeight ${window.innerHeight}, visual viewport "
    "${visualViewport.height} at scale ${visualViewport.scale}, scrollHeight "
    "${document.documentElement.scrollHeight}`"
)


def _under(page: Page, x: float, y: float) -> str:
    """The elements under a point, innermost first, for a failure message."""
    return page.evaluate(
        """([x, y]) => { const out = []; for (let e = document.elementFromPoint(x, y); e; e = e.parentElement)
            out.push(e.tagName.toLowerCase() + (e.className && typeof e.className === 'string'
              ? '.' + e.className.trim().split(/\\s+/).slice(0, 2).join('.') : ''));
            return out.slice(0, 6).join(' < '); }""",
        [x, y],
    )


MOVE_TIMEOUT_MS = (
    10_000  # a loaded machine can take seconds to scroll; a page that moves returns at once
)


def _moved(page: Page, before: float) -> bool:
    try:
        page.wait_for_function("(y) => window.scrollY !== y", arg=before, timeout=MOVE_TIMEOUT_MS)
    except Exception:  # noqa: BLE001 - Playwright's TimeoutError: the page did not move
        return False
    return True


def _distance(page: Page, locator: Locator) -> float | None:
    """How far (px) the page must scroll down (+) or up (-) to show the target; 0 when shown.
    Aims to put the target's top a quarter of the way down, as a person reading on would."""
    box = locator.bounding_box()
    assert box is not None, f"{locator} is not on the page (hidden or not drawn)"
    _width, height = _viewport(page)
    fits = box["height"] <= height
    if box["y"] >= 0 and (box["y"] + box["height"] <= height if fits else box["y"] < height * 0.75):
        return 0
    return box["y"] - height / 4


def _at_an_end(page: Page, step: float) -> bool:
    """The page cannot move further in the direction of ``step``."""
    return (step > 0 and page_bottom_reached(page)) or (step < 0 and scroll_y(page) <= 0)


def _scroll_to(
    page: Page, locator: Locator, largest_step: float, move, tries: int, means: str
) -> None:
    """Scroll by ``move(step)`` (at most ``largest_step`` px at a time) until ``locator`` is in the
    viewport. A move that does not take is made again up to ``tries`` times in all, as a person
    would; the loop also stops at the page's end, which can come sooner when the page grows
    shorter meanwhile (a part finished drawing)."""
    locator.first.wait_for(state="visible")
    target = locator.first
    for _ in range(MAX_MOVES):
        distance = _distance(page, target)
        if not distance:
            break
        step = max(-largest_step, min(largest_step, distance))
        if _at_an_end(page, step):
            break  # nothing further to scroll: the target is as far in view as it can be
        before = scroll_y(page)
        for _try in range(tries):
            move(step)
            if _moved(page, before) or _at_an_end(page, step):
                break
        else:
            raise AssertionError(
                f"{tries} move(s) by {means} in a row did not scroll the page (at {before:.0f} px; "
                f"{page.evaluate(_SIZES)}) towards {target}; under the pointer: "
                f"{_under(page, *_plain_point(page))}"
            )
    expect(target).to_be_in_viewport(timeout=VIEW_TIMEOUT_MS)


def wheel_to(page: Page, locator: Locator) -> None:
    """Scroll with the mouse wheel until ``locator`` is in the viewport."""
    page.mouse.move(*_plain_point(page))
    _scroll_to(
        page, locator, WHEEL_STEP, lambda step: page.mouse.wheel(0, step), 1, "the mouse wheel"
    )


def swipe(page: Page, cdp, distance: float) -> None:
    """Drag a finger up the screen by ``distance`` px (down for a negative one): touch events as
    a phone's screen sends them, which the browser turns into scrolling."""
    _width, height = _viewport(page)
    x, _y = _plain_point(page)  # the page's margin: a finger on a text box would scroll the box
    start = height * 0.75 if distance > 0 else height * 0.25
    moves = 8
    cdp.send(
        "Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": start}]}
    )
    for i in range(1, moves + 1):
        cdp.send(
            "Input.dispatchTouchEvent",
            {"type": "touchMove", "touchPoints": [{"x": x, "y": start - distance * i / moves}]},
        )
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def swipe_to(page: Page, locator: Locator) -> None:
    """Scroll with a finger until ``locator`` is in the viewport (the context needs
    ``has_touch=True``). A swipe that did not take is tried once more (under a loaded CI machine
    a gesture is now and then lost); a page that cannot scroll fails the second one too."""
    cdp = page.context.new_cdp_session(page)
    _width, height = _viewport(page)
    try:
        _scroll_to(page, locator, height * 0.45, lambda step: swipe(page, cdp, step), 2, "a finger")
    finally:
        cdp.detach()


def _centre(locator: Locator) -> tuple[float, float]:
    box = locator.bounding_box()
    assert box is not None, f"{locator} has no place on the screen"
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def click(page: Page, locator: Locator) -> None:
    """Scroll to the target with the wheel, check it is in view, click it where it is."""
    target = locator.first
    wheel_to(page, target)
    expect(target).to_be_enabled(timeout=VIEW_TIMEOUT_MS)
    page.mouse.click(*_centre(target))


def tap(page: Page, locator: Locator) -> None:
    """Swipe to the target, check it is in view, tap it (the context needs ``has_touch=True``)."""
    target = locator.first
    swipe_to(page, target)
    page.touchscreen.tap(*_centre(target))


def type_into(page: Page, locator: Locator, text: str, replace: bool = True) -> None:
    """Click into a text field (scrolled to by wheel) and type, replacing what was there."""
    click(page, locator)
    if replace:
        page.keyboard.press("Control+A")
        page.keyboard.press("Delete")
    page.keyboard.type(text)


def choose(page: Page, locator: Locator, label: str) -> None:
    """Pick ``label`` in a drop-down list once it is in view."""
    target = locator.first
    wheel_to(page, target)
    target.select_option(label=label)


def tab_to(page: Page, locator: Locator, max_presses: int = 400, backwards: bool = False) -> None:
    """Press Tab (or Shift+Tab) until ``locator`` has the focus; the browser scrolls it into view,
    as it does for a keyboard user. Fails if Tab never reaches it."""
    target = locator.first
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(max_presses):
        if target.evaluate(
            "e => e === document.activeElement || e.contains(document.activeElement)"
        ):
            break
        page.keyboard.press(key)
    else:
        raise AssertionError(f"{max_presses} presses of {key} never reached {target}")
    expect(target).to_be_in_viewport(timeout=VIEW_TIMEOUT_MS)


def press(page: Page, key: str) -> None:
    """Press a key and let any scrolling it starts finish (``scrollend``, or a second without any):
    a key pressed while the page still glides from the last one is dropped, and a person would
    wait for the page to stop before pressing the next."""
    page.evaluate("""() => { window.__courseSettled = new Promise((done) => {
        const quiet = setTimeout(done, 1000);
        window.addEventListener('scroll', () => clearTimeout(quiet), {once: true});
        window.addEventListener('scrollend', () => done(), {once: true});
        setTimeout(done, 5000); }); }""")
    page.keyboard.press(key)
    page.evaluate("() => window.__courseSettled")
    # On a loaded machine the glide can outlast the events: wait until the page has not moved for
    # ten frames in a row, so the next reading (and the next key) sees where the page came to rest.
    page.evaluate("""() => new Promise((done) => {
        let last = window.scrollY, still = 0, frames = 0;
        const tick = () => {
          still = window.scrollY === last ? still + 1 : 0;
          last = window.scrollY;
          if (still >= 10 || ++frames > 600) done(); else requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick); })""")


def page_bottom_reached(page: Page) -> bool:
    return page.evaluate(
        "() => window.scrollY + window.innerHeight >= document.documentElement.scrollHeight - 2"
    )


def wheel_to_end(page: Page) -> int:
    """Scroll down with the wheel until the page stops moving; returns how many moves it took."""
    page.mouse.move(*_plain_point(page))
    for moves in range(MAX_MOVES):
        if page_bottom_reached(page):
            return moves
        before = scroll_y(page)
        page.mouse.wheel(0, WHEEL_STEP * 2)
        if not _moved(page, before):
            page.mouse.move(*_plain_point(page))  # a drawing came under the pointer
            page.mouse.wheel(0, WHEEL_STEP * 2)
            assert _moved(page, before), (
                f"the wheel stopped scrolling at {before:.0f} px, before the end"
            )
    raise AssertionError("the page's end was never reached")


def past_right_edge(page: Page) -> list[str]:
    """Visible controls, text and pictures that stick out past the viewport's right edge, each
    described so a failure says which. Sticking out of a box that scrolls sideways on its own (a
    wide table in a ``.course-scroll`` box) is fine when that box itself fits; cut off by a box that
    hides its overflow, or hanging past the page's edge, is not."""
    return page.evaluate(
        """() => {
          const width = document.documentElement.clientWidth;
          const main = document.querySelector('#rendered_cells') || document.body;
          // Only the course's own sideways-scrolling boxes count: a row of controls that a widget
          // box lets scroll (ipywidgets' boxes have overflow: auto) is still cut off for a person.
          const scrollBox = (e) => e.parentElement && e.parentElement.closest('.course-scroll');
          const out = [];
          const wanted = 'input, select, textarea, button, label, a, p, li, h1, h2, h3, h4, table, svg, iframe, ' +
                         '.widget-label, .widget-html-content';
          for (const e of main.querySelectorAll(wanted)) {
            const r = e.getBoundingClientRect();
            if (r.width === 0 || r.height === 0) continue;
            const s = getComputedStyle(e);
            if (s.visibility === 'hidden' || s.display === 'none') continue;
            if (e.closest('svg') && e.tagName.toLowerCase() !== 'svg') continue;
            if (r.right <= width + 1) continue;
            const box = scrollBox(e);
            if (box && box.getBoundingClientRect().right <= width + 1) continue;
            const name = (e.getAttribute('aria-label') || e.textContent || e.value || '').trim().slice(0, 50);
            const classes = String(e.className.baseVal ?? e.className).split(' ').slice(0, 2).join('.');
            out.push(`${e.tagName.toLowerCase()}.${classes} "${name}" right=${Math.round(r.right)}`);
          }
          return out;
        }"""
    )
