"""The journal and the plan survive the page's kernel being killed (kill -9) in the middle of typing."""

from __future__ import annotations

import os
import re
import signal
import threading
import time

import pytest

from tests.helpers import kernel_pid

pytestmark = pytest.mark.browser

BEFORE = "We met as heads only <b>until</b> March; "
DURING = "then our teaching assistants began to lead the enquiry groups and the forum."
PLAN = 'Teaching assistants run the termly forum "><svg onload=alert(1)>'


def test_kernel_killed_while_typing_loses_nothing_saved(new_context, course_server):
    context = new_context()
    page = context.new_page()
    sockets: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    page.goto(f"{course_server.url}/voila/render/08_next_steps.ipynb")
    page.get_by_role("button", name="Start the course (get a new code)").click()
    code = page.locator(".course-code").inner_text().strip()
    page.wait_for_selector("button:has-text('Add to the plan'):not([disabled])")
    page.get_by_label("What will be done").fill(PLAN)
    page.get_by_label("Who will lead it").fill("Jo, a teaching assistant <i>lead</i>")
    page.get_by_label("By when").fill("2027-06-30")
    page.get_by_role("button", name="Add to the plan").click()
    page.wait_for_selector("text=Your action plan, soonest first")

    kernel_ids = {
        m.group(1) for url in sockets if (m := re.search(r"/api/kernels/([0-9a-f-]{36})/", url))
    }
    assert len(kernel_ids) == 1, sockets
    pid = kernel_pid(kernel_ids.pop())

    box = page.locator(
        ".course-reflection textarea"
    ).first  # the journal's first question (lesson 01)
    box.focus()
    page.keyboard.type(BEFORE, delay=20)
    time.sleep(1.0)  # what was typed a second ago must be saved
    killer = threading.Timer(0.6, os.kill, args=(pid, signal.SIGKILL))
    killer.start()
    page.keyboard.type(DURING, delay=20)  # the kernel dies part-way through this
    killer.join()
    context.close()

    page = new_context().new_page()
    page.goto(f"{course_server.url}/voila/render/08_next_steps.ipynb?learner={code}")
    page.wait_for_selector(".course-reflection textarea:not([disabled])")
    saved = page.locator(".course-reflection textarea").first.input_value()
    assert saved.startswith(BEFORE), saved  # everything typed before the last second is there
    assert (BEFORE + DURING).startswith(saved), saved  # and nothing is garbled or half-written
    assert len(saved) < len(BEFORE + DURING), "the kernel was killed before the typing ended"
    table = page.locator("table:has-text('Your action plan')")
    assert PLAN in table.inner_text() and "<i>lead</i>" in table.inner_text()
    assert page.locator("svg[onload], i:has-text('lead')").count() == 0
