"""Registering methods by decorator and discovering them through the entry-point group."""
import importlib.metadata
import textwrap

import pytest
from torch import nn

from topoeuler.pruning import ENTRY_POINT_GROUP, PruningMethod, available_methods, get_method, prune, register, registry


pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture
def clean_registry(monkeypatch):
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))


def test_register_a_new_method(clean_registry):
    @register("squared_magnitude", description="theta^2")
    def squared(model, targets, batches):
        return {t.key: t.tensor(model).detach() ** 2 for t in targets}

    assert isinstance(squared, PruningMethod) and "squared_magnitude" in available_methods()
    net = nn.Linear(10, 10)
    result = prune(net, "squared_magnitude", 1.0)
    assert result.method == "squared_magnitude" and int(result.masks["weight"].sum()) == 10
    with pytest.raises(ValueError, match="already registered"):
        register("squared_magnitude")(squared.score)


def test_entry_point_is_loaded_on_first_use(clean_registry, monkeypatch, tmp_path):
    (tmp_path / "third_party_pruner.py").write_text(
        textwrap.dedent(
            """
            def smallest_first(model, targets, batches):
                return {t.key: -t.tensor(model).detach().abs() for t in targets}
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    fake = importlib.metadata.EntryPoint(name="smallest_first", value="third_party_pruner:smallest_first", group=ENTRY_POINT_GROUP)
    calls = []

    def entry_points(group):
        calls.append(group)
        return [fake] if group == ENTRY_POINT_GROUP else []

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)
    assert "smallest_first" in available_methods()
    method = get_method("smallest_first")
    assert method.name == "smallest_first" and method.iterations == 1 and not method.needs_data
    net = nn.Linear(8, 8, bias=False)
    weights = net.weight.detach().abs().clone()
    mask = prune(net, "smallest_first", 0.5).masks["weight"]
    assert weights[mask].max() <= weights[~mask].min()
    assert calls and set(calls) == {ENTRY_POINT_GROUP}


def test_entry_point_to_a_pruning_method_keeps_its_settings(clean_registry, monkeypatch):
    fake = importlib.metadata.EntryPoint(name="synflow_again", value="topoeuler.pruning.scores_synflow:synflow_scores", group=ENTRY_POINT_GROUP)
    monkeypatch.setattr(importlib.metadata, "entry_points", lambda group: [fake])
    method = get_method("synflow_again")
    assert method.iterations == 100 and method.name == "synflow_again"


def test_builtin_entry_points_in_pyproject_resolve():
    import tomllib
    from pathlib import Path

    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    declared = pyproject["project"]["entry-points"][ENTRY_POINT_GROUP]
    assert set(declared) == {"random", "magnitude", "snip", "grasp", "synflow", "synflow_l2", "synflow_dist"}
    for name, value in declared.items():
        method = importlib.metadata.EntryPoint(name=name, value=value, group=ENTRY_POINT_GROUP).load()
        assert isinstance(method, PruningMethod) and method.name == name


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="argument `method`.*synflow"):
        get_method("synfloww")
    with pytest.raises(TypeError):
        get_method(3)
