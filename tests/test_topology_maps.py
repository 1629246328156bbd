"""Betti numbers of binary activation maps against gudhi's cubical persistence."""
import gudhi
import numpy as np
import pytest
import torch

from topoeuler.topology import betti_curves, binarize, binary_betti, component_counts, map_betti


def gudhi_betti(mask: np.ndarray, construction: str) -> tuple[int, int]:
    """beta_0, beta_1 at level 0 of the 0 (foreground) / 1 (background) image: gudhi's cubical
    complex with values on top cells (T) or on vertices (V)."""
    values = np.where(mask, 0.0, 1.0)
    cc = gudhi.CubicalComplex(top_dimensional_cells=values) if construction == "T" else gudhi.CubicalComplex(vertices=values)
    cc.compute_persistence()
    betti = cc.persistent_betti_numbers(0.0, 0.0)
    return int(betti[0]), int(betti[1])


def image(rows: list[str]) -> torch.Tensor:
    return torch.tensor([[c == "#" for c in row] for row in rows])


HAND_MADE = {
    # name: (image, (beta_0, beta_1) for V, (beta_0, beta_1) for T)
    "ring": (image(["#####", "#...#", "#...#", "#####"]), (1, 1), (1, 1)),
    "nested": (image(["#########", "#.......#", "#.#####.#", "#.#...#.#", "#.#####.#", "#.......#", "#########"]), (2, 2), (2, 2)),
    "two holes": (image(["#######", "#.#.#.#", "#######"]), (1, 3), (1, 3)),
    "touching corners": (image(["#.", ".#"]), (2, 0), (1, 0)),
    "diamond": (image([".#.", "#.#", ".#."]), (4, 0), (1, 1)),
    "diagonal ring": (image(["..#..", ".#.#.", "#...#", ".#.#.", "..#.."]), (8, 0), (1, 1)),
    "empty": (torch.zeros(4, 4, dtype=torch.bool), (0, 0), (0, 0)),
    "full": (torch.ones(4, 6, dtype=torch.bool), (1, 0), (1, 0)),
    "one pixel hole": (image(["###", "#.#", "###"]), (1, 1), (1, 1)),
}


@pytest.mark.parametrize("name", sorted(HAND_MADE))
@pytest.mark.parametrize("construction", ["V", "T"])
def test_hand_made_images(name, construction):
    mask, expected_v, expected_t = HAND_MADE[name]
    expected = expected_v if construction == "V" else expected_t
    assert gudhi_betti(mask.numpy(), construction) == expected
    b0, b1 = binary_betti(mask, construction)
    assert (int(b0), int(b1)) == expected


@pytest.mark.parametrize("construction", ["V", "T"])
def test_random_stack_equals_gudhi_map_by_map(construction, rng):
    masks = torch.rand(6, 5, 12, 9, generator=rng) < torch.linspace(0.2, 0.8, 5).view(1, 5, 1, 1)
    b0, b1 = binary_betti(masks, construction)
    assert b0.shape == b1.shape == (6, 5)
    for i in range(6):
        for c in range(5):
            assert (int(b0[i, c]), int(b1[i, c])) == gudhi_betti(masks[i, c].numpy(), construction)


def test_components_never_join_across_maps():
    masks = torch.ones(7, 3, 3, dtype=torch.bool)
    assert component_counts(masks, "T").tolist() == [1] * 7
    masks[3] = False
    assert component_counts(masks, "V").tolist() == [1, 1, 1, 0, 1, 1, 1]


def test_quantile_rule_is_per_map(rng):
    maps = torch.randn(4, 3, 10, 10, generator=rng)
    together = map_betti(maps, "quantile", 0.7, "T")
    alone = [map_betti(maps[i : i + 1, c : c + 1] * (i + 1) + c, "quantile", 0.7, "T") for i in range(4) for c in range(3)]
    assert torch.equal(together[0].reshape(-1), torch.cat([a[0].reshape(-1) for a in alone]))
    assert torch.equal(together[1].reshape(-1), torch.cat([a[1].reshape(-1) for a in alone]))
    mask = binarize(maps, "quantile", 0.7)
    assert torch.equal(mask[0, 0], maps[0, 0] > np.quantile(maps[0, 0].numpy(), 0.7))


def test_level_rule_is_strict():
    maps = torch.tensor([[0.0, 1.0], [2.0, 0.0]])
    assert binarize(maps, "level", 0.0).tolist() == [[False, True], [True, False]]
    assert binarize(maps, "level", 1.0).tolist() == [[False, False], [True, False]]


@pytest.mark.parametrize("construction", ["V", "T"])
def test_betti_curves_equal_gudhi_at_every_threshold(construction, rng):
    maps = torch.rand(3, 2, 8, 8, generator=rng).round(decimals=1)  # ties with the thresholds
    thresholds = torch.linspace(-0.1, 1.0, 12, dtype=torch.float64)
    chi, b0, b1 = betti_curves(maps, thresholds, construction)
    assert chi.shape == b0.shape == b1.shape == (3, 2, 12)
    for i in range(3):
        for c in range(2):
            for k, t in enumerate(thresholds.tolist()):
                expected = gudhi_betti((maps[i, c].double() > t).numpy(), construction)
                assert (int(b0[i, c, k]), int(b1[i, c, k])) == expected
                assert int(chi[i, c, k]) == expected[0] - expected[1]


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match="mask"):
        binary_betti(torch.zeros(3, 3), "V")
    with pytest.raises(ValueError, match="construction"):
        binary_betti(torch.zeros(3, 3, dtype=torch.bool), "X")
    with pytest.raises(ValueError, match="rule"):
        binarize(torch.zeros(3, 3), "median")
    with pytest.raises(ValueError, match="value"):
        binarize(torch.zeros(3, 3), "quantile", 1.5)
    with pytest.raises(ValueError, match="NaN"):
        binarize(torch.full((3, 3), float("nan")))
    with pytest.raises(ValueError, match="thresholds"):
        betti_curves(torch.zeros(3, 3), torch.zeros(2, 2))
