"""The server says when a class can arrive: Voila's "Kernel pool of … is filled" comes as soon as the
kernels have started, while each still has its lesson to run (minutes, for dozens of kernels on two
cores); the course's own line comes once every pre-heated kernel waits for its visitor."""

from __future__ import annotations

import re
import time

from widgets_lib.server.serve import READY_MESSAGE


def test_the_log_says_when_every_pre_heated_kernel_is_warm(course_server):
    pattern = re.escape(READY_MESSAGE).replace(re.escape("{count}"), r"(\d+)")
    deadline = time.monotonic() + 300
    while not (found := re.search(pattern, course_server.log())):
        assert time.monotonic() < deadline, course_server.log()[-3000:]
        time.sleep(1)
    filled = re.findall(r"Kernel pool of (\S+) is filled with (\d+) kernel", course_server.log())
    pools = {notebook: int(size) for notebook, size in filled}
    assert int(found.group(1)) == sum(pools.values()) > 0, (found.group(0), pools)
    log = course_server.log()
    assert log.index(found.group(0)) > max(
        log.index(f"Kernel pool of {nb} is filled") for nb in pools
    )
