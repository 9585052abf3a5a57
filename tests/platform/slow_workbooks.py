"""A workbook converter for tests/platform/test_upload_process.py that never finishes: the app's
``workbook_converter`` injection point runs it in the conversion's child process, which imports this module by name.

It writes its process id to the file named by ``$PARTCD_TEST_WORKBOOK_PID_FILE`` (so the test can check the process is
gone after the time limit), then sleeps.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

PID_FILE_VAR = "PARTCD_TEST_WORKBOOK_PID_FILE"


def sleeping_convert(source: str, target: str) -> None:
    """Record the child's pid, then take far longer than any test's time limit."""
    Path(os.environ[PID_FILE_VAR]).write_text(str(os.getpid()), encoding="utf-8")
    time.sleep(120)
