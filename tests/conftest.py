import pytest
import torch


@pytest.fixture
def rng():
    """A seeded generator, so that every random test is reproducible."""
    return torch.Generator().manual_seed(1234)


@pytest.fixture
def one_thread():
    """One torch thread, for tests of tiny tensors (no oversubscription on a busy 2-core machine)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(params=["avx512", "avx2", "scalar"])
def cpu_isa(request):
    """Runs a test with the CPU binning limited to one instruction set (the best the CPU has, up to it)."""
    from topoeuler import _backend

    kernels = _backend.compiled()
    previous = kernels.set_cpu_isa_cap(request.param)
    yield request.param
    kernels.set_cpu_isa_cap(previous)
