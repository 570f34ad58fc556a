"""Nothing acknowledged is lost when the writing process is killed mid-append."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from corridor.adapters.log_store import LogStore
from corridor.tlog.merkle import MemoryTree

WRITER = """
import sys
from corridor.adapters.log_store import LogStore
store = LogStore.open(sys.argv[1])
i = 0
while True:
    indexes = store.append_many([b"entry %d" % (i + j) for j in range(7)])
    print(indexes[-1], flush=True)  # acknowledged: only after the commit returned
    i += 7
"""


def test_acknowledged_appends_survive_a_killed_writer(tmp_path: Path) -> None:
    db = tmp_path / "log.db"
    LogStore.open(str(db)).close()
    child = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db)], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    acknowledged = -1
    deadline = time.monotonic() + 60
    while acknowledged < 200 and time.monotonic() < deadline:
        line = child.stdout.readline()
        if not line:
            break
        acknowledged = int(line)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    child.stdout.close()
    assert acknowledged >= 200, "the writer did not get going"
    store = LogStore.open(str(db))
    entries = list(store.entries())
    assert len(entries) >= acknowledged + 1
    assert entries == [b"entry %d" % i for i in range(len(entries))]
    tree = MemoryTree()
    for entry in entries:
        tree.append(entry)
    assert store.root() == tree.root()  # the stored tree nodes match the stored entries
    assert store.append(b"after the crash") == len(entries)
