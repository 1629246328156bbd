"""The plugin contract: entry points in an installed environment, Hydra's search-path plugin and
the shipped configs, TopoBench registration (against a stand-in with TopoBench's registry
layout; the real TopoBench run is documented in the README), and a TopoBench-shaped pipeline."""
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch

pytest.importorskip("torch_geometric")
pytest.importorskip("hydra")
from hydra import compose, initialize_config_dir  # noqa: E402
from hydra.utils import instantiate  # noqa: E402
from omegaconf import OmegaConf  # noqa: E402
from torch_geometric.loader import DataLoader  # noqa: E402
from torch_geometric.transforms import Compose  # noqa: E402

import topoeuler.nn  # noqa: E402
from topoeuler.datasets import load_tu  # noqa: E402
from topoeuler.transforms import KERNEL_VERSION, TRANSFORMS  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ROOT / "configs"


def run_python(code: str, cwd: Path, pythonpath: list[Path] = ()) -> str:
    """Runs ``code`` in a fresh interpreter of this environment, outside the source tree: the
    installed topoeuler (and whatever ``pythonpath`` adds) only. Returns its stdout."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"OMP_NUM_THREADS": "1"}
    if pythonpath:
        env["PYTHONPATH"] = os.pathsep.join(map(str, pythonpath))
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=cwd, env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The installed topoeuler must be this checkout (``make install``); otherwise the test says so."""
    where = run_python("import topoeuler; print(topoeuler.__file__)", tmp_path_factory.mktemp("probe")).strip()
    if not Path(where).resolve().is_relative_to(ROOT):
        pytest.skip(f"the topoeuler installed in this environment is {where}, not this checkout: run `make install`")
    return True


def make_third_party(tmp: Path) -> Path:
    """A small third-party package declaring a transform and a layer in topoeuler's groups."""
    src = tmp / "src"
    (src / "tp_plugin").mkdir(parents=True)
    (src / "tp_plugin" / "__init__.py").write_text(textwrap.dedent('''
        import torch
        from topoeuler.transforms import EulerTransform


        class DoubleX(EulerTransform):
            params = ()

            def forward(self, data):
                data.x = 2 * data.x
                return data


        class Identity(torch.nn.Module):
            def forward(self, x):
                return x
        '''))
    (src / "pyproject.toml").write_text(textwrap.dedent('''
        [build-system]
        requires = ["setuptools"]
        build-backend = "setuptools.build_meta"

        [project]
        name = "tp-plugin"
        version = "0.0.1"

        [project.entry-points."topoeuler.transforms"]
        DoubleX = "tp_plugin:DoubleX"

        [project.entry-points."topoeuler.layers"]
        Identity = "tp_plugin:Identity"
        '''))
    site = tmp / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--no-index",
                    "--target", str(site), str(src)], check=True, capture_output=True, timeout=300)
    return site


def make_topobench_stand_in(tmp: Path) -> Path:
    """A package named topobench with TopoBench's two registries (module paths and dict names as in
    TopoBench), holding one entry of its own."""
    root = tmp / "tb"
    for package in ("topobench", "topobench/transforms", "topobench/nn", "topobench/nn/readouts"):
        (root / package).mkdir(parents=True, exist_ok=True)
        (root / package / "__init__.py").write_text("")
    (root / "topobench/transforms/__init__.py").write_text("class Identity: pass\nTRANSFORMS = {'Identity': Identity}\n")
    (root / "topobench/nn/readouts/__init__.py").write_text("READOUT_CLASSES = {}\n")
    return root


@pytest.fixture(scope="module")
def third_party(tmp_path_factory):
    return make_third_party(tmp_path_factory.mktemp("third_party"))


def test_entry_points_are_found_and_hydra_starts_without_topobench(installed, third_party, tmp_path):
    out = run_python('''
        import contextlib, importlib.util, io, json, sys, warnings
        warnings.simplefilter("error", RuntimeWarning)  # the Hydra plugin warns only when registration fails
        import hydra_plugins.topoeuler
        cheap = not any(m.split(".")[0] in ("topoeuler", "torch") for m in sys.modules)  # without TopoBench
        from hydra import initialize, compose
        with initialize(version_base=None, config_path=None):  # no TopoBench here: Hydra starts cleanly
            target = compose(config_name="model/graph/ectgnn").model.graph._target_
        from topoeuler import cli, plugins
        transforms, layers = plugins.available("transforms"), plugins.available("layers")
        loaded = plugins.load("transforms", "DoubleX")
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            cli.main(["info"])
        info = json.loads(printed.getvalue())
        print(json.dumps({"transforms": sorted(transforms), "layers": sorted(layers), "loaded": loaded.__module__,
                          "builtin": plugins.load("transforms", "ECTTransform").__module__,
                          "info": info["plugins"]["transforms"], "target": target,
                          "no_topobench": importlib.util.find_spec("topobench") is None, "cheap": cheap}))
        ''', tmp_path, [third_party])
    found = json.loads(out.strip().splitlines()[-1])
    assert set(TRANSFORMS) | {"DoubleX"} == set(found["transforms"])
    assert {"ECTLayer", "ECTReadout", "SoftECTReadout", "ECTGNN", "SimplicialECTNet", "Identity"} <= set(found["layers"])
    assert found["loaded"] == "tp_plugin" and found["builtin"] == "topoeuler.transforms.ect"
    assert found["info"]["DoubleX"] == "tp-plugin: tp_plugin:DoubleX"
    assert found["info"]["ECTTransform"] == "topoeuler: topoeuler.transforms.ect:ECTTransform"
    assert found["no_topobench"] and found["cheap"] and found["target"] == "topoeuler.nn.ECTGNN"


def test_hydra_start_up_registers_into_topobench_and_register_is_idempotent(installed, third_party, tmp_path):
    stand_in = make_topobench_stand_in(tmp_path)
    out = run_python('''
        import json
        from hydra import initialize, compose
        import topobench.transforms as tbt, topobench.nn.readouts as tbr
        with initialize(version_base=None, config_path=None):  # Hydra's start-up imports hydra_plugins.*
            cfg = compose(config_name="transforms/data_manipulations/ect")
        import topoeuler.transforms as tt, topoeuler.nn as tn
        from topoeuler.integrations.topobench import register
        first = {k: v for k, v in tbt.TRANSFORMS.items()}
        again = register()
        same = all(tbt.TRANSFORMS[k] is v for k, v in first.items()) and len(first) == len(tbt.TRANSFORMS)
        tbt.TRANSFORMS["ECTTransform"] = object
        try:
            register()
            conflict = "none"
        except ValueError as error:
            conflict = str(error)
        print(json.dumps({"names": sorted(first), "same": same, "again": again, "conflict": conflict,
                          "ect": first["ECTTransform"] is tt.ECTTransform,
                          "readout": tbr.READOUT_CLASSES["ECTReadout"] is tn.ECTReadout,
                          "attr": tbr.ECTReadout is tn.ECTReadout, "cfg": cfg.transforms.data_manipulations.version}))
        ''', tmp_path, [third_party, stand_in])
    found = json.loads(out.strip().splitlines()[-1])
    assert set(found["names"]) == set(TRANSFORMS) | {"DoubleX", "Identity"}  # TopoBench's own entry is kept
    assert found["same"] and found["ect"] and found["readout"] and found["attr"]
    assert found["again"]["readouts"] == ["ECTReadout", "SoftECTReadout"]
    assert "already has a different 'ECTTransform'" in found["conflict"]
    assert found["cfg"] == KERNEL_VERSION


# TopoBench's own clique lifting config (the keys of its configs/transforms/liftings/graph2simplicial/clique.yaml),
# which topoeuler's ect_clique_lifting chain refers to; with TopoBench installed its file is used instead.
CLIQUE_LIFTING = """
transform_type: 'lifting'
transform_name: "SimplicialCliqueLifting"
complex_dim: 3
preserve_edge_attr: False
signed: False
feature_lifting: ProjectionSum
"""

PRIMARY = """
defaults:
  - model: graph/ectgnn
  - transforms: ect_mutag
  - _self_
dataset:
  parameters: {num_features: [7, 4], num_classes: 2, task_level: graph}
"""


@pytest.fixture(scope="module")
def hydra_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("hydra")
    (root / "transforms/liftings/graph2simplicial").mkdir(parents=True)
    (root / "transforms/liftings/graph2simplicial/clique.yaml").write_text(CLIQUE_LIFTING)
    (root / "run.yaml").write_text(PRIMARY)
    return root


def shipped(kind: str) -> list[str]:
    return sorted(str(p.relative_to(CONFIGS / kind).with_suffix("")) for p in (CONFIGS / kind).glob("**/*.yaml"))


@pytest.mark.parametrize("chain", [c for c in shipped("transforms") if "/" not in c])
def test_hydra_composes_each_transform_chain_and_builds_its_transforms(hydra_dir, chain, mutag_graph):
    with initialize_config_dir(version_base=None, config_dir=str(hydra_dir)):
        cfg = compose(config_name="run", overrides=[f"transforms={chain}"])
    assert cfg.transforms, chain
    for key, entry in cfg.transforms.items():
        if entry.transform_name not in TRANSFORMS:
            assert entry.transform_name == "SimplicialCliqueLifting"  # TopoBench's own
            continue
        kwargs = OmegaConf.to_container(entry, resolve=True)
        assert kwargs["version"] == KERNEL_VERSION, (chain, key)  # enters TopoBench's cache hash
        built = instantiate({"_target_": f"topoeuler.transforms.{entry.transform_name}", **kwargs})
        assert type(built) is TRANSFORMS[entry.transform_name]


def test_every_transform_yaml_builds_as_topobench_does(mutag_graph):
    names = shipped("transforms/data_manipulations")
    assert len(names) == len(TRANSFORMS)
    with initialize_config_dir(version_base=None, config_dir=str(CONFIGS)):
        for name in names:
            entry = compose(config_name=f"transforms/data_manipulations/{name}").transforms.data_manipulations
            kwargs = dict(entry)  # DataTransform passes the YAML keys as they are, ListConfig included
            transform = TRANSFORMS[kwargs["transform_name"]](**kwargs)
            assert kwargs["version"] == KERNEL_VERSION and repr(transform).startswith(kwargs["transform_name"])


@pytest.mark.parametrize("model", shipped("model"))
def test_hydra_composes_each_model_config_and_instantiates_it(hydra_dir, model):
    with initialize_config_dir(version_base=None, config_dir=str(hydra_dir)):
        cfg = compose(config_name="run", overrides=[f"model={model}", "transforms=ect_mutag"])
    if cfg.model._target_ == "topobench.model.TBModel":  # TopoBench builds the rest; our part is the readout
        assert cfg.model.readout._target_.startswith("topoeuler.nn.")
        readout = instantiate(cfg.model.readout)
        assert readout.task_level == "graph"
        # A simplicial backbone's output too (3 edges, 1 triangle), for readouts that fold it in.
        incidence_1 = torch.zeros(9, 3)
        incidence_1[[0, 1, 1, 2, 4, 5], [0, 0, 1, 1, 2, 2]] = torch.tensor([-1., 1., -1., 1., -1., 1.])
        model_out = {"x_0": torch.randn(9, 32), "x_1": torch.randn(3, 32), "x_2": torch.randn(1, 32)}
        out = readout(model_out, {"batch_0": torch.tensor([0] * 4 + [1] * 5), "ect": torch.randn(2, 16, 16),
                                  "edge_index": torch.tensor([[0, 1, 4], [1, 2, 5]]),
                                  "incidence_1": incidence_1.to_sparse(), "incidence_2": torch.ones(3, 1)})
        assert out["logits"].shape == (2, 2)
    else:
        if "simplicial" in model:
            pytest.importorskip("topomodelx")
        built = instantiate(cfg.model)
        assert type(built).__module__.startswith("topoeuler.nn")


@pytest.fixture(scope="module")
def mutag_graph(tmp_path_factory):
    return load_tu("MUTAG", root=tmp_path_factory.mktemp("tu"))[0]


def topobench_style_pre_transform(chain: str) -> Compose:
    """What TopoBench's preprocessor does with a chain: ``DataTransform(**yaml)`` for each entry, i.e.
    ``TRANSFORMS[transform_name](**all the YAML keys)``, composed in order."""
    with initialize_config_dir(version_base=None, config_dir=str(CONFIGS)):
        cfg = compose(config_name=f"transforms/{chain}").transforms
    return Compose([TRANSFORMS[entry.transform_name](**dict(entry)) for entry in cfg.values()])


def train(model, loader, epochs):
    torch.manual_seed(0)
    optimiser = torch.optim.Adam(model.parameters(), lr=0.01)
    losses = []
    for _ in range(epochs):
        total = 0.0
        for batch in loader:
            optimiser.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(batch), batch.y)
            loss.backward()
            optimiser.step()
            total += loss.item() * batch.num_graphs
        losses.append(total / len(loader.dataset))
    return losses


@pytest.fixture(scope="module")
def mutag_preprocessed(tmp_path_factory):
    root = tmp_path_factory.mktemp("tu_pre")
    load_tu("MUTAG", root=root)
    pre = topobench_style_pre_transform("ect_mutag")
    return type(load_tu("MUTAG", root=root))(str(root), "MUTAG", pre_transform=pre, force_reload=True)


@pytest.mark.parametrize("readout", ["ect", "soft_ect"])
def test_topobench_shaped_pipeline_trains_a_hybrid_gin_on_mutag(mutag_preprocessed, readout, one_thread):
    ds = mutag_preprocessed
    assert ds[0].ect.shape == (1, 16, 16) and ds[0].face.shape[0] == 3
    loader = DataLoader(ds, batch_size=32, shuffle=True, generator=torch.Generator().manual_seed(0))
    assert next(iter(loader)).ect.shape == (32, 16, 16)
    torch.manual_seed(0)
    extra = {"ect_shape": [16, 16]} if readout == "ect" else {"num_directions": 4, "num_thresholds": 8}
    model = topoeuler.nn.ECTGNN(7, 16, 2, num_layers=2, readout=readout, **extra)
    losses = train(model, loader, 5)
    assert losses[-1] < 0.8 * losses[0], losses


def test_simplicial_hybrid_trains_on_mutag(mutag_preprocessed, one_thread):
    pytest.importorskip("topomodelx")
    loader = DataLoader(mutag_preprocessed, batch_size=32, shuffle=True, generator=torch.Generator().manual_seed(0))
    torch.manual_seed(0)
    model = topoeuler.nn.SimplicialECTNet(7, 16, 2, ect_shape=[16, 16])
    losses = train(model, loader, 5)
    assert losses[-1] < 0.8 * losses[0], losses


def test_soft_ect_readout_gradients_reach_the_gnn(mutag_preprocessed):
    batch = next(iter(DataLoader(mutag_preprocessed, batch_size=16)))
    torch.manual_seed(0)
    model = topoeuler.nn.ECTGNN(7, 16, 2, readout="soft_ect", num_directions=8, num_thresholds=8)
    with torch.no_grad():  # only the ECT branch reaches the logits
        model.readout.linear.weight[:, :16] = 0
    model(batch).sum().backward()
    grads = [p.grad for p in model.gnn.parameters()]
    assert all(g is not None for g in grads) and sum(float(g.abs().sum()) for g in grads) > 0
