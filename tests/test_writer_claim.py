"""One writer per collection: the claim in its metadata stops a writer on another machine, and
passes on from a writer that died."""

from __future__ import annotations

import subprocess
import sys

import pytest

from qabot.settings import Settings
from qabot.store import Store
from qabot.writer_claim import WriterBusy, WriterClaim, writer_id


def test_a_live_claim_stops_a_second_writer_until_released(settings: Settings) -> None:
    store = Store(settings, "test-model", "test")
    first = WriterClaim(store, "buildbox-7:4242:feedbeef")  # another machine's ingest
    assert first.claim(settle=0) is False
    second = WriterClaim(Store(settings, "test-model", "test", client=store.client))
    with pytest.raises(WriterBusy, match="host buildbox-7, pid 4242"):
        second.claim(settle=0)
    first.renew()
    first.release()
    assert second.claim(settle=0) is False
    with pytest.raises(WriterBusy):
        first.renew()  # taken over: the first writer must stop


def test_the_claim_of_a_dead_local_writer_is_taken_over(settings: Settings) -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    host = writer_id().split(":")[0]
    store = Store(settings, "test-model", "test")
    WriterClaim(store, f"{host}:{done.stdout.strip()}:deadbeef").claim(settle=0)
    assert WriterClaim(store).claim(settle=0) is True  # it crashed holding the claim
