"""Moves the wall clock of every Python process of the test suite by CORRIDOR_TEST_SHIFT_DAYS.

``make test-future`` puts this folder on PYTHONPATH, so that ``corridor serve``, ``corridor
demo`` and every other process the tests start read a date a year ahead, like the test process
itself (tests/conftest.py). Nothing reads the wall clock where the program's one clock should
be read: the suite passes all the same. Monotonic clocks are left alone (timeouts, sleeps).
"""

from __future__ import annotations

import os

_days = os.environ.get("CORRIDOR_TEST_SHIFT_DAYS")
if _days:
    import datetime as _dt

    import time_machine as _tm

    _tm.travel(_dt.datetime.now(_dt.UTC) + _dt.timedelta(days=float(_days)), tick=True).start()
