"""Lesson 04's drawing (the map editor) with an example network, as a person sees and uses it on a
laptop and on a phone: every school and its whole name on the drawing, names never under 12 px,
the part that does not fit reached by scrolling the drawing's own box sideways (never the page);
on a phone a finger on the drawing scrolls the page, and a tap still chooses a school or opens
the name field, inside the screen.

What the drawing shows is read from vis-network itself: an init script (test only, nothing in the
course) wraps the ``vis.Network`` the map editor makes, so each school's box, its name included,
can be put on the screen with vis-network's own ``getBoundingBox`` and ``canvasToDOM``.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.person import person
from tests.reliability.course_pages import START, TIMEOUT_MS, goto, wait_rendered, wait_signed_in

pytestmark = pytest.mark.browser

LESSON = "04_draw_your_network.ipynb"
# Nine schools, the longest names of the examples ("Brambleshire Council Learning Service").
EXAMPLE = "Brambleford Learning Network (invented)"
SCHOOLS = 9
LAPTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SMALLEST = 12 / 15  # names are 15 px at scale 1: never under 12 px

# Keeps each vis-network drawing the page makes, with its nodes (test only).
SPY = """(() => {
  let loading = null;
  Object.defineProperty(globalThis, '__courseVisNetwork', {
    configurable: true,
    get() { return loading; },
    set(promise) {
      loading = promise && promise.then((vis) => {
        if (!vis.Network.__spied) {
          const Network = vis.Network;
          vis.Network = class extends Network {
            constructor(container, data, options) {
              super(container, data, options);
              (globalThis.__spiedDrawings ||= []).push({ network: this, nodes: data.nodes });
            }
          };
          vis.Network.__spied = true;
        }
        return vis;
      });
    },
  });
})();"""

# Each school's box, its name included, in viewport pixels; the drawing's scale and view; the
# drawing's box (the element the canvas sits in) and how far it scrolls sideways.
DRAWN = """() => {
  const drawings = globalThis.__spiedDrawings || [];
  const drawing = drawings[drawings.length - 1];
  if (!drawing) return null;
  const { network, nodes } = drawing;
  network.redraw();  // every name measured
  const canvas = document.querySelector('.course-map-canvas canvas');
  const at = canvas.getBoundingClientRect();
  const box = canvas.closest('.course-map-canvas').parentElement;
  const seen = box.getBoundingClientRect();
  const schools = nodes.get().map((node) => {
    const b = network.getBoundingBox(node.id);
    const topLeft = network.canvasToDOM({ x: b.left, y: b.top });
    const bottomRight = network.canvasToDOM({ x: b.right, y: b.bottom });
    const middle = network.canvasToDOM(network.getPositions([node.id])[node.id]);
    return {
      name: String(node.label),
      left: at.left + topLeft.x, top: at.top + topLeft.y,
      right: at.left + bottomRight.x, bottom: at.top + bottomRight.y,
      x: at.left + middle.x, y: at.top + middle.y,
    };
  });
  const view = network.getViewPosition();
  return {
    schools,
    scale: network.getScale(),
    view: [view.x, view.y],
    canvas: { left: at.left, top: at.top, right: at.right, bottom: at.bottom },
    seen: {
      left: Math.max(0, seen.left), top: Math.max(0, seen.top),
      right: Math.min(innerWidth, seen.right), bottom: Math.min(innerHeight, seen.bottom),
    },
    scrollLeft: box.scrollLeft,
    sideways: box.scrollWidth - box.clientWidth,
    boxRight: seen.right,
    pageWidth: document.documentElement.scrollWidth,
    viewportWidth: document.documentElement.clientWidth,
  };
}"""

# Whether anything is drawn within ``band`` px of the canvas's edges (a name cut there is).
AT_THE_EDGES = """(band) => {
  const canvas = document.querySelector('.course-map-canvas canvas');
  const ctx = canvas.getContext('2d');
  const ratio = canvas.width / canvas.clientWidth;
  const b = Math.max(1, Math.round(band * ratio));
  const strips = [[0, 0, canvas.width, b], [0, canvas.height - b, canvas.width, b],
                  [0, 0, b, canvas.height], [canvas.width - b, 0, b, canvas.height]];
  const out = [];
  for (const [x, y, w, h] of strips) {
    const pixels = ctx.getImageData(x, y, w, h).data;
    for (let i = 3; i < pixels.length; i += 4)
      if (pixels[i] > 0) { out.push(`${x},${y} ${w}x${h}`); break; }
  }
  return out;
}"""


def drawn(page: Page) -> dict:
    return page.evaluate(DRAWN)


def inside(school: dict, area: dict) -> bool:
    return (
        school["left"] >= area["left"] - 0.5
        and school["right"] <= area["right"] + 0.5
        and school["top"] >= area["top"] - 0.5
        and school["bottom"] <= area["bottom"] + 0.5
    )


def on_screen(x: float, y: float, area: dict) -> bool:
    return area["left"] <= x <= area["right"] and area["top"] <= y <= area["bottom"]


def open_example(page: Page, server, act, scroll_to) -> None:
    """Start the course afresh and load the example network with the person's own means
    (``act`` presses, ``scroll_to`` scrolls); the drawing then shows its schools."""
    goto(page, f"{server.url}/voila/render/{LESSON}")
    wait_rendered(page)
    act(page, page.get_by_role("button", name=START))
    wait_signed_in(page)
    load = page.get_by_role("button", name="Start from this example", exact=True)
    expect(load).to_be_enabled(timeout=TIMEOUT_MS)  # the page has its forms
    example = page.get_by_label("Example network (invented)", exact=True)
    scroll_to(page, example)
    example.select_option(label=EXAMPLE)
    act(page, load)
    page.locator(
        ".course-table :is(td, th)", has_text="Brambleshire Council Learning Service"
    ).first.wait_for(timeout=TIMEOUT_MS)
    page.wait_for_function(
        f"() => (globalThis.__spiedDrawings || []).some((d) => d.nodes.length === {SCHOOLS})",
        timeout=TIMEOUT_MS,
    )
    scroll_to(page, page.locator(".course-map-canvas"))


def every_school_is_reached(page: Page, slide) -> None:
    """Each school and its whole name is on the drawing at 12 px or more, and is seen on the
    screen at some place of the drawing's box, which ``slide()`` scrolls sideways as a person
    does (the page itself never wider than the screen)."""
    now = drawn(page)
    assert now is not None, "the map editor made no vis-network drawing"
    assert len(now["schools"]) == SCHOOLS
    assert SMALLEST - 1e-6 <= now["scale"] <= 1 + 1e-6, f"names drawn at {15 * now['scale']} px"
    cut = [s["name"] for s in now["schools"] if not inside(s, now["canvas"])]
    assert not cut, f"cut at the drawing's edges: {cut}"
    assert page.evaluate(AT_THE_EDGES, 2) == [], "something is drawn at the canvas's very edge"
    assert now["pageWidth"] <= now["viewportWidth"], "the page is wider than the screen"
    assert now["boxRight"] <= now["viewportWidth"] + 1, "the drawing's box sticks out"
    assert person.past_right_edge(page) == []

    seen: set[str] = set()
    for _ in range(20):
        seen |= {s["name"] for s in now["schools"] if inside(s, now["seen"])}
        if len(seen) == SCHOOLS:
            break
        before = now["scrollLeft"]
        slide()
        now = drawn(page)
        if now["scrollLeft"] == before:
            break  # at the end of the box
    unseen = sorted({s["name"] for s in now["schools"]} - seen)
    assert not unseen, (
        f"never wholly on the screen, however the drawing's box is scrolled: {unseen} "
        f"(scrolls {now['sideways']} px sideways)"
    )
    assert now["pageWidth"] <= now["viewportWidth"], "the page is wider than the screen"
    assert person.past_right_edge(page) == []


def settled(page: Page) -> None:
    """Wait until neither the page nor the drawing's box has moved for ten frames (a swipe or a
    wheel glides on for a while after the finger or the wheel has stopped)."""
    page.evaluate("""() => new Promise((done) => {
        const canvas = document.querySelector('.course-map-canvas');
        const box = canvas ? canvas.parentElement : document.body;
        const where = () => `${window.scrollY} ${box.scrollLeft}`;
        let last = where(), still = 0, frames = 0;
        const tick = () => {
          const now = where();
          still = now === last ? still + 1 : 0;
          last = now;
          if (still >= 10 || ++frames > 600) done(); else requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick); })""")


def next_frames(page: Page, count: int) -> None:
    """Return once the page has drawn ``count`` more frames (a screen's own clock, not a delay)."""
    page.evaluate(
        """(count) => new Promise((done) => {
          const tick = () => (--count <= 0 ? done() : requestAnimationFrame(tick));
          requestAnimationFrame(tick); })""",
        count,
    )


def finger(page: Page, cdp, start: tuple[float, float], end: tuple[float, float]) -> None:
    """A finger put down at ``start``, drawn to ``end`` (screen pixels) and held there a moment
    before it is lifted, so the page does not glide on: touch events as a phone's screen sends
    them (as ``person.swipe`` does, from a chosen point). Returns once nothing moves."""
    (x0, y0), (x1, y1) = start, end
    moves = 12
    touch = {"type": "touchStart", "touchPoints": [{"x": x0, "y": y0}]}
    cdp.send("Input.dispatchTouchEvent", touch)
    for i in range(1, moves + 1):
        point = {"x": x0 + (x1 - x0) * i / moves, "y": y0 + (y1 - y0) * i / moves}
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
        next_frames(page, 1)  # a frame apart, as a screen reports a moving finger
    for _ in range(4):  # held still: no fling when lifted
        next_frames(page, 2)
        touch = {"type": "touchMove", "touchPoints": [{"x": x1, "y": y1}]}
        cdp.send("Input.dispatchTouchEvent", touch)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    settled(page)


def in_view(page: Page, locator) -> bool:
    box = locator.bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


def swipe_until_seen(page: Page, locator) -> None:
    """Swipe the page with a finger on its margin until ``locator`` is in view, as
    ``person.swipe_to`` does but with unhurried swipes: a quick one flings the page on, past
    the target, after the finger is lifted."""
    target = locator.first
    target.wait_for(state="visible")
    height = page.viewport_size["height"]
    cdp = page.context.new_cdp_session(page)
    try:
        for _ in range(60):
            if in_view(page, target):
                break
            distance = target.bounding_box()["y"] - height / 4
            distance = max(-0.45 * height, min(0.45 * height, distance))
            start = height * 0.75 if distance > 0 else height * 0.25
            before = person.scroll_y(page)
            finger(page, cdp, (4, start), (4, start - distance))
            if person.scroll_y(page) == before:
                break  # at an end of the page: as far in view as it can be
    finally:
        cdp.detach()
    expect(target).to_be_in_viewport()


def tap(page: Page, locator) -> None:
    """Swipe to the target, check it is in view, tap it."""
    target = locator.first
    swipe_until_seen(page, target)
    page.touchscreen.tap(*centre(target))


def test_on_a_laptop_the_example_is_drawn_whole_with_names_of_12_px_or_more(
    new_context, course_server
):
    context = new_context(viewport=LAPTOP)
    context.add_init_script(SPY)
    page = context.new_page()
    open_example(page, course_server, person.click, person.wheel_to)
    box = page.locator(".course-map-canvas").locator("xpath=..")  # the drawing's own box
    expect(box).to_be_in_viewport(ratio=1)

    def wheel_sideways() -> None:
        now = drawn(page)
        page.mouse.move(
            (now["seen"]["left"] + now["seen"]["right"]) / 2,
            (now["seen"]["top"] + now["seen"]["bottom"]) / 2,
        )
        page.mouse.wheel(300, 0)
        settled(page)

    every_school_is_reached(page, wheel_sideways)


def test_on_a_phone_a_finger_scrolls_the_page_and_reaches_every_school(new_context, course_server):
    context = new_context(viewport=PHONE, has_touch=True, is_mobile=True, device_scale_factor=3)
    context.add_init_script(SPY)
    page = context.new_page()
    open_example(page, course_server, tap, swipe_until_seen)
    assert person.past_right_edge(page) == []
    drawing = page.locator(".course-map-canvas")
    box = drawing.locator("xpath=..")  # the drawing's own box
    expect(box).to_be_in_viewport()
    cdp = context.new_cdp_session(page)

    # A swipe up that starts on the drawing scrolls the page by about as much; the drawing's view
    # (what part of the network it shows, and at what size) does not move.
    first = drawn(page)
    seen = first["seen"]
    x = (seen["left"] + seen["right"]) / 2
    start_y = min(seen["bottom"] - 20, PHONE["height"] - 40)
    distance = 300
    assert start_y - distance > seen["top"], f"the drawing is not on the screen: {seen}"
    before = person.scroll_y(page)
    finger(page, cdp, (x, start_y), (x, start_y - distance))
    moved = person.scroll_y(page) - before
    assert abs(moved - distance) <= 0.25 * distance, (
        f"the page scrolled {moved:.0f} px, not {distance}"
    )
    after = drawn(page)
    assert after["view"] == pytest.approx(first["view"], abs=0.01), "the drawing was dragged"
    assert after["scale"] == pytest.approx(first["scale"], abs=1e-6), "the drawing was zoomed"
    assert after["scrollLeft"] == first["scrollLeft"]
    swipe_until_seen(page, box)  # back to the drawing, by finger

    # Every school is reached by sliding the drawing's box sideways with a finger.
    def slide() -> None:
        now = drawn(page)["seen"]
        y = (now["top"] + now["bottom"]) / 2
        finger(page, cdp, (now["right"] - 30, y), (now["right"] - 230, y))

    every_school_is_reached(page, slide)

    # A tap on a school on the screen chooses it in the school form.
    expect(box).to_be_in_viewport()
    now = drawn(page)
    school = next((s for s in now["schools"] if on_screen(s["x"], s["y"], now["seen"])), None)
    assert school is not None, "no school's mark on the screen"
    page.touchscreen.tap(school["x"], school["y"])
    expect(page.get_by_label("New name", exact=True)).to_have_value(school["name"])

    # A tap on an empty spot opens the name field there, inside the screen.
    empty = page.evaluate(
        """([x, y]) => {
          const { network } = globalThis.__spiedDrawings[globalThis.__spiedDrawings.length - 1];
          const at = document.querySelector('.course-map-canvas canvas').getBoundingClientRect();
          const dom = { x: x - at.left, y: y - at.top };
          return network.getNodeAt(dom) === undefined && network.getEdgeAt(dom) === undefined;
        }""",
        [now["seen"]["right"] - 10, now["seen"]["top"] + 10],
    )
    assert empty, "the drawing's top right corner is not empty"
    page.touchscreen.tap(now["seen"]["right"] - 10, now["seen"]["top"] + 10)
    field = page.get_by_label("Name of the new school", exact=True)
    expect(field).to_be_visible()
    expect(field).to_be_in_viewport(ratio=1)
    popup = page.locator(".course-map-add")
    where = popup.bounding_box()
    assert where["x"] >= 0 and where["x"] + where["width"] <= PHONE["width"], where
    cancel = popup.get_by_role("button", name="Cancel", exact=True)
    expect(cancel).to_be_in_viewport()
    tap(page, cancel)
    expect(field).to_be_hidden()
    assert person.past_right_edge(page) == []
    # The hint says how to move a school without dragging it, and that the drawing slides.
    hint = page.locator(".course-map-hint")
    expect(hint).to_contain_text("Place on the drawing")
    expect(hint).to_contain_text("slide it sideways")
    cdp.detach()


def centre(locator) -> tuple[float, float]:
    box = locator.bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
