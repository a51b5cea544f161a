"""Transfer learning (gan_core.init_from): --init-from loads G and/or D from a checkpoint, --freeze-g/-d K
keeps the first K blocks fixed and out of the optimiser, and every bad input is refused with what is allowed:
a checkpoint of another shape, K out of range, a file that is not a checkpoint, D from a generator-only file."""

from __future__ import annotations

import pickle

import pytest
import torch
from safetensors.torch import load_file, save_file

from gan_core.checks import validate_config
from gan_core.cli import main
from gan_core.config import ConfigError, TrainConfig
from gan_core.data import Dataset
from gan_core.engine import Engine
from gan_core.init_from import InitSource, block_names, preflight
from gan_core.run import TrainingRun
from gan_core.store import PRETRAINED_DIR

pytestmark = pytest.mark.usefixtures("isolated")
CPU = torch.device("cpu")
TINY = dict(dataset="digits", arch="dcgan", latent_dim=4, width=4, batch_size=8, n_fixed=4, device="cpu",
            score_every=0, sample_every=1000, log_every=5)


def images(n=32):
    g = torch.Generator().manual_seed(0)
    return Dataset(x=torch.rand(n, 1, 8, 8, generator=g) * 2 - 1, y=None, kind="image", source="synthetic")


@pytest.fixture
def source(tmp_path):
    """A finished tiny run (with EMA, so its checkpoint holds the raw G apart from the averaged one)."""
    run = TrainingRun(TrainConfig(**TINY, steps=10, ema_decay=0.9, seed=3), tmp_path / "src")
    run.run()
    assert run.state == "finished", run.error
    return tmp_path / "src"


def _same(a: torch.nn.Module, b: dict[str, torch.Tensor]) -> bool:
    return all(torch.equal(v, b[k].to(v.dtype)) for k, v in a.state_dict().items())


def test_both_nets_start_from_the_checkpoint_raw_g_and_d(source):
    src = InitSource.read(str(source))  # a run directory names its last checkpoint
    cfg = validate_config(TrainConfig(**TINY, steps=5, init_from=str(source), lr_d=1e-3, loss="lsgan", seed=9))
    eng = Engine(cfg, images(), CPU)
    assert _same(eng.G, src.g) and _same(eng.D, src.d)
    tensors = load_file(str(source / "checkpoints" / "last.safetensors"))
    raw = {k[len("train.G_raw."):]: v for k, v in tensors.items() if k.startswith("train.G_raw.")}
    ema = {k[2:]: v for k, v in tensors.items() if k.startswith("G.")}
    assert _same(eng.G, raw) and not _same(eng.G, ema)  # the trained G, not the average
    fresh = Engine(validate_config(TrainConfig(**TINY, steps=5, seed=9)), images(), CPU)
    assert not _same(fresh.G, src.g)  # without init_from: random weights


def test_only_g_or_only_d(source):
    src = InitSource.read(str(source))
    g_only = Engine(validate_config(TrainConfig(**TINY, init_from=str(source), init_part="g")), images(), CPU)
    assert _same(g_only.G, src.g) and not _same(g_only.D, src.d)
    d_only = Engine(validate_config(TrainConfig(**TINY, init_from=str(source), init_part="d")), images(), CPU)
    assert _same(d_only.D, src.d) and not _same(d_only.G, src.g)


def test_freeze_d_keeps_first_blocks_fixed_and_out_of_the_optimiser(source):
    cfg = validate_config(TrainConfig(**TINY, steps=5, init_from=str(source), freeze_d=2, freeze_g=1))
    eng = Engine(cfg, images(), CPU)
    assert block_names(eng.D) == ["net.0", "net.2+3", "net.5"]
    before_d = {k: v.clone() for k, v in eng.D.named_parameters()}
    before_g = {k: v.clone() for k, v in eng.G.named_parameters()}
    for _ in range(3):
        eng.train_step()
    after_d, after_g = dict(eng.D.named_parameters()), dict(eng.G.named_parameters())
    frozen_d = ("net.0.weight", "net.0.bias", "net.2.weight", "net.3.weight", "net.3.bias")
    for k in before_d:
        assert torch.equal(before_d[k], after_d[k]) == (k in frozen_d), k
    for k in before_g:
        assert torch.equal(before_g[k], after_g[k]) == k.startswith(("net.0.", "net.1.")), k
    in_opt = {id(p) for group in eng.opt_d.param_groups for p in group["params"]}
    assert {id(after_d[k]) for k in frozen_d}.isdisjoint(in_opt)
    assert {id(after_d[k]) for k in ("net.5.weight", "net.5.bias")} <= in_opt


def test_k_out_of_range_names_the_block_count(source):
    cfg = validate_config(TrainConfig(**TINY, init_from=str(source), freeze_d=3))
    with pytest.raises(ConfigError, match=r"freeze_d: D of this architecture has 3 blocks .* from 0 to 2.* got 3"):
        preflight(cfg)
    with pytest.raises(ConfigError, match="has 3 blocks"):
        Engine(cfg, images(), CPU)
    with pytest.raises(ConfigError, match=r"freeze_g: G .* has 3 blocks"):
        preflight(validate_config(TrainConfig(**TINY, init_from=str(source), freeze_g=7)))


def test_freezing_a_net_that_starts_at_random_is_refused(source):
    with pytest.raises(ConfigError, match="freeze_d: freezing D's first blocks"):
        validate_config(TrainConfig(**TINY, freeze_d=1))
    with pytest.raises(ConfigError, match="freeze_d"):
        validate_config(TrainConfig(**TINY, init_from=str(source), init_part="g", freeze_d=1))


def test_checkpoint_of_another_shape_names_layer_shapes_and_settings(source):
    cfg = validate_config(TrainConfig(**{**TINY, "width": 8}, init_from=str(source)))
    with pytest.raises(ConfigError, match=r"layer 'net\.0\.weight' has shape \(4, 8, 2, 2\) in the checkpoint but "
                                          r"\(4, 16, 2, 2\) here; the checkpoint was trained with width 4 \(here 8\)"):
        preflight(cfg)
    other = validate_config(TrainConfig(**{**TINY, "arch": "mlp"}, init_from=str(source)))
    with pytest.raises(ConfigError, match=r"arch 'dcgan' \(here 'mlp'\)"):
        preflight(other)


def test_files_that_are_not_checkpoints_are_refused(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    foreign = tmp_path / "foreign.safetensors"
    save_file({"w": torch.zeros(2)}, str(foreign))  # safetensors, but not a checkpoint of this project
    pickled = tmp_path / "pickled.safetensors"
    pickled.write_bytes(pickle.dumps({"w": 1}))
    cases = {str(text): "not a checkpoint", str(foreign): "not a checkpoint of this project",
             str(pickled): "pickle", str(tmp_path / "missing.safetensors"): "no such file",
             str(tmp_path): "without checkpoints/last.safetensors"}
    for path, why in cases.items():
        with pytest.raises(ConfigError, match=why):
            preflight(validate_config(TrainConfig(**TINY, init_from=path)))


def test_shipped_generator_only_model(tmp_path):
    shipped = PRETRAINED_DIR / "digits-dcgan.safetensors"
    src = InitSource.read("digits-dcgan")  # a shipped model by name
    assert src.path == shipped and not src.d
    cfg = TrainConfig(dataset="digits", arch="dcgan", latent_dim=src.cfg.latent_dim, width=src.cfg.width,
                      batch_size=8, n_fixed=4, device="cpu", init_from="digits-dcgan")
    with pytest.raises(ConfigError, match="holds only a generator .* set init_part to g"):
        preflight(validate_config(cfg))
    eng = Engine(validate_config(cfg.replace(init_part="g")), images(), CPU)
    assert _same(eng.G, src.g)


def test_resume_does_not_read_the_init_file_again(source, tmp_path):
    copy = tmp_path / "init.safetensors"
    copy.write_bytes((source / "checkpoints" / "last.safetensors").read_bytes())
    cfg = validate_config(TrainConfig(**TINY, steps=5, init_from=str(copy), freeze_d=1))
    run = TrainingRun(cfg, tmp_path / "child")
    run.run()
    assert run.state == "finished", run.error
    copy.unlink()  # the continued run takes its own checkpoint (and still freezes the same blocks)
    more = TrainingRun.resume_from(tmp_path / "child", steps=8)
    more.run()
    assert more.state == "finished" and more.step == 8, more.error


def test_cli_refuses_before_a_run_directory_exists(source, tmp_path, capsys):
    out = tmp_path / "refused"
    code = main(["train", "--preset", "digits-dcgan", "--steps", "3", "--out", str(out), "--init-from", str(source),
                 "--width", "8"])
    assert code == 2 and not out.exists()
    assert "has shape" in capsys.readouterr().err
    ok = tmp_path / "ok"
    code = main(["train", "--dataset", "digits", "--arch", "dcgan", "--latent-dim", "4", "--width", "4",
                 "--batch-size", "8", "--steps", "3", "--score-every", "0", "--out", str(ok),
                 "--init-from", str(source), "--freeze-d", "1", "--device", "cpu"])
    assert code == 0 and (ok / "checkpoints" / "last.safetensors").is_file()


def test_blocks_run_from_the_input_side():
    from gan_core.init_from import block_names
    from gan_core.models import build_models

    G, D = build_models("dcgan", shape=(1, 28, 28), latent_dim=16, width=8, conditioning="concat", num_classes=10)
    assert block_names(G) == ["embed", "net.net.0+1", "net.net.3+4", "net.net.6"]  # e(y) joins z at the input
    assert block_names(D) == ["embed", "net.net.0", "net.net.2+3", "net.net.5"]
    _, D = build_models("dcgan", shape=(1, 28, 28), latent_dim=16, width=8, conditioning="projection",
                        num_classes=10)
    assert block_names(D)[-1] == "embed"  # the projection acts at D's head
    G, D = build_models("stylegan-lite", shape=(1, 28, 28), latent_dim=16, width=8)
    assert block_names(G)[:5] == ["mapping.net.0", "mapping.net.2", "mapping.net.4", "mapping.net.6", "(own)"]
    assert block_names(D)[0] == "blocks.0"


def test_weight_clipping_leaves_frozen_d_blocks_as_they_are(source):
    # WGAN's clipping keeps trainable weights in [-c, c]; frozen ones are the source's features
    cfg = validate_config(TrainConfig(**{**TINY, "loss": "wgan", "opt_d": "rmsprop", "opt_g": "rmsprop"}, steps=5,
                                      init_from=str(source), freeze_d=2, clip_value=0.001))
    eng = Engine(cfg, images(), CPU)
    frozen = {k: v.clone() for k, v in eng.D.named_parameters() if not v.requires_grad}
    assert frozen and max(v.abs().max().item() for v in frozen.values()) > 0.001  # clipping would change them
    for _ in range(2):
        eng.train_step()
    params = dict(eng.D.named_parameters())
    assert all(torch.equal(v, params[k]) for k, v in frozen.items())
    c = torch.tensor(0.001).item()  # float32 0.001, the bound clamp_ writes
    assert all(p.abs().max().item() <= c for p in params.values() if p.requires_grad)
