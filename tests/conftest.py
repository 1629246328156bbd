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
