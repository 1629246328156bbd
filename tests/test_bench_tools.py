"""The measurement tools of topoeuler.bench measure what they claim."""
import time

import pytest
import torch

from topoeuler.bench import (
    format_bytes,
    format_ratio,
    format_seconds,
    machine_info,
    markdown_table,
    measure,
)
from topoeuler.bench import measurement

MB = 10**6
needs_proc = pytest.mark.skipif(
    not measurement._cpu_peak_supported(), reason="/proc/self/clear_refs is not writable (not Linux?)"
)


@needs_proc
def test_peak_memory_of_a_touched_200_mb_tensor():
    def allocate():
        tensor = torch.empty(200 * MB, dtype=torch.uint8)
        tensor.fill_(1)  # touch every page so that it is resident
        return int(tensor[-1])

    result = measure(allocate, repeat=3, warmup=1)
    assert result.result == 1
    assert abs(result.peak_bytes - 200 * MB) < 0.1 * 200 * MB


@needs_proc
def test_peak_memory_is_reset_between_measurements():
    big = measure(lambda: int(torch.ones(300 * MB, dtype=torch.uint8)[-1]), repeat=1, warmup=0)
    small = measure(lambda: int(torch.ones(10 * MB, dtype=torch.uint8)[-1]), repeat=1, warmup=0)
    assert big.peak_bytes > 250 * MB
    assert small.peak_bytes < 50 * MB


@needs_proc
def test_heap_memory_freed_by_earlier_runs_is_counted_again():
    # 1 MB blocks come from glibc's heap once a freed block raised its mmap threshold; without
    # returning free heap pages before each run, the warm runs would reuse them and report ~0.
    def blocks():
        return len([torch.ones(MB, dtype=torch.uint8) for _ in range(100)])

    for _ in range(2):
        result = measure(blocks, repeat=3, warmup=1)
        assert result.result == 100
        assert abs(result.peak_bytes - 100 * MB) < 10 * MB


def test_times_are_wall_seconds_per_run():
    calls = []

    def sleep():
        calls.append(1)
        time.sleep(0.02)

    result = measure(sleep, repeat=4, warmup=2)
    assert len(calls) == 6 and len(result.times) == 4
    assert 0.018 < result.min_s <= result.median_s < 0.5


def test_measure_rejects_bad_counts():
    with pytest.raises(ValueError, match="repeat"):
        measure(lambda: None, repeat=0)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_peak_memory():
    result = measure(lambda: torch.ones(50 * MB, dtype=torch.uint8, device="cuda"), repeat=2, device="cuda")
    assert abs(result.peak_bytes - 50 * MB) < 0.1 * 50 * MB


def test_markdown_table():
    table = markdown_table(["op", "time"], [["ecc", "1.0 ms"], ["a|b", 2]])
    assert table.splitlines() == [
        "| op | time |",
        "|:---|---:|",
        "| ecc | 1.0 ms |",
        "| a\\|b | 2 |",
    ]
    with pytest.raises(ValueError, match="cells"):
        markdown_table(["a", "b"], [[1]])
    with pytest.raises(ValueError, match="align"):
        markdown_table(["a", "b"], [[1, 2]], align="lc")


def test_formatting():
    assert format_seconds(12e-6) == "12.0 µs"
    assert format_seconds(0.25) == "250 ms"
    assert format_seconds(3.5) == "3.50 s"
    assert format_bytes(None) == "n/a"
    assert format_bytes(1536) == "1.5 KiB"
    assert format_bytes(3 * 2**30) == "3 GiB"
    assert format_bytes(200 * 2**30) == "200 GiB"
    assert format_ratio(12.345) == "12.3x"


def test_machine_info_names_the_threads():
    info = machine_info()
    assert info["torch threads"] == str(torch.get_num_threads())
    assert info["CPU"]
