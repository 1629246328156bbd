import pytest
import torch


@pytest.fixture
def rng():
    """A seeded generator, so that every random test is reproducible."""
    return torch.Generator().manual_seed(1234)
