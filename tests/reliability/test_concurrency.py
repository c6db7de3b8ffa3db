"""Concurrency: two ``modalyst ingest`` processes writing one workspace at once (with overlapping
files), and ``modalyst ask`` running during the ingest; on the embedded store and on a Chroma server.
No errors, no lost or duplicated chunk, every source exactly once."""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from assistant.extract import file_hash
from tests.reliability.conftest import MODALYST, clean_env, record
from tests.reliability.storecheck import fresh_snapshot
from tests.reliability.test_crash import make_batch

RUNS: list[str] = []


def ingest_twice_while_asking(tmp_path: Path, env: dict[str, str], workspace: str) -> None:
    files = make_batch(tmp_path / "batch", 24, seed=7)
    halves = [tmp_path / "a", tmp_path / "b"]
    for half, chosen in zip(halves, (files[:16], files[8:])):  # 8 files in both
        half.mkdir()
        for f in chosen:
            (half / f.name).write_bytes(f.read_bytes())
    base = [str(MODALYST), "--data-dir", str(tmp_path / "data"), "--workspace", workspace]
    seed = subprocess.run([*base, "ingest", str(files[0])], env=env, capture_output=True, text=True, timeout=120)
    assert seed.returncode == 0, seed.stderr  # the workspace exists, so asks have something to search

    ingests = [subprocess.Popen([*base, "ingest", str(h)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for h in halves]
    asks = []
    while any(p.poll() is None for p in ingests) and len(asks) < 6:
        ask = subprocess.run([*base, "ask", "What was revenue in region 5?", "--json"], env=env,
                             capture_output=True, text=True, timeout=120)
        asks.append(ask)
        time.sleep(0.2)
    outcomes = [p.communicate(timeout=300) + (p.returncode,) for p in ingests]
    for out, err, code in outcomes:
        assert code == 0 and "Traceback" not in err and "error" not in err, err
    assert asks, "the ingests finished before any ask could run"
    for ask in asks:
        assert ask.returncode == 0 and '"answer"' in ask.stdout and "Traceback" not in ask.stderr, ask.stderr

    shot = fresh_snapshot(tmp_path / "data", workspace, env.get("MODALYST_STORE", ""))
    assert shot.problems() == []
    assert sorted(shot.sources) == sorted(file_hash(f) for f in files)
    RUNS.append(f"{workspace}: 2 ingests + {len(asks)} asks, {len(shot.sources)} sources, {len(shot.chunks)} chunks, 0 problems")
    record(f"concurrency ({'server' if env.get('MODALYST_STORE') else 'embedded'})", RUNS[-1].split(": ", 1)[1])
    print("\nconcurrency:", RUNS[-1])


@pytest.mark.slow
def test_two_ingests_and_asks_on_the_embedded_store(tmp_path: Path):
    ingest_twice_while_asking(tmp_path, clean_env(tmp_path), "default")


@pytest.mark.slow
@pytest.mark.server
def test_two_ingests_and_asks_on_a_chroma_server(tmp_path: Path):
    url = os.environ.get("MODALYST_TEST_CHROMA_URL")
    if not url:
        pytest.skip("MODALYST_TEST_CHROMA_URL is not set (.ci/run starts a Chroma server and sets it)")
    workspace = f"rel-{uuid.uuid4().hex[:10]}"
    ingest_twice_while_asking(tmp_path, clean_env(tmp_path, MODALYST_STORE=url), workspace)


@pytest.mark.slow
def test_embedded_writes_wait_for_the_store_lock(tmp_path: Path):
    """While another process holds ``store/write.lock``, an ingest reads and extracts but writes nothing;
    once the lock is released it completes."""
    import fcntl

    files = make_batch(tmp_path / "batch", 2, seed=3)
    env = clean_env(tmp_path)
    base = [str(MODALYST), "--data-dir", str(tmp_path / "data")]
    assert subprocess.run([*base, "ingest", str(files[0])], env=env, capture_output=True, timeout=120).returncode == 0
    with (tmp_path / "data" / "store" / "write.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        waiting = subprocess.Popen([*base, "ingest", str(files[1])], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(8)
        assert waiting.poll() is None, "the ingest wrote without the lock"
        assert sorted(fresh_snapshot(tmp_path / "data", "default").sources) == [file_hash(files[0])]
        fcntl.flock(lock, fcntl.LOCK_UN)
    out, err = waiting.communicate(timeout=120)
    assert waiting.returncode == 0 and "added" in out, err
    assert sorted(fresh_snapshot(tmp_path / "data", "default").sources) == sorted(file_hash(f) for f in files)
