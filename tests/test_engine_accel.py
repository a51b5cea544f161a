"""The engine's speed settings (gan_core.accel): bf16 autocast on the CPU, channels_last, torch.compile with
its fallback to eager, and the CUDA paths (skipped without a GPU: `pytest -m cuda` runs only those)."""

from __future__ import annotations

import pytest
import torch

import gan_core.engine as engine_mod
from gan_core.accel import CPU_AUTO_BF16, Accel, cpu_has_fast_bf16, resolve_precision, use_channels_last
from gan_core.checks import validate_config
from gan_core.config import ConfigError, TrainConfig
from gan_core.data import load_dataset
from gan_core.engine import Engine
from gan_core.regularizers import gradient_penalty, r1_penalty
from gan_core.run import TrainingRun

CPU = torch.device("cpu")
needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


def small(**kw) -> TrainConfig:
    fields = {"dataset": "digits", "arch": "dcgan", "width": 8, "latent_dim": 16, "batch_size": 32, "steps": 20,
              "log_every": 5, "sample_every": 10, "score_every": 0, "checkpoint_every_s": 3600.0, "device": "cpu",
              "precision": "fp32", "channels_last": "off"}
    fields.update(kw)
    return validate_config(TrainConfig(**fields))


@pytest.fixture(scope="module")
def digits():
    return load_dataset(small())


def train(e: Engine, n: int) -> dict[str, float]:
    for _ in range(n):
        e.train_step()
    return e.flush().values


def weights(e: Engine) -> list[torch.Tensor]:
    return [p.detach().clone() for p in (*e.g_params, *e.d_params)]


# ---------------------------------------------------------------------------- precision
def test_resolve_precision_on_cpu():
    assert resolve_precision("fp32", CPU) == "fp32"
    assert resolve_precision("bf16", CPU) == "bf16"
    assert resolve_precision("auto", CPU) == ("bf16" if CPU_AUTO_BF16 and cpu_has_fast_bf16() else "fp32")
    assert resolve_precision("auto", CPU, conv=False) == "fp32"  # MLPs: bf16 did not pay off on a CPU
    with pytest.raises(ValueError, match="fp16 is for CUDA"):
        resolve_precision("fp16", CPU)
    with pytest.raises(ValueError, match="allowed"):
        resolve_precision("fp8", CPU)
    with pytest.raises(ConfigError, match="precision"):
        small(precision="half")  # refused by validation, with the allowed values


@pytest.mark.parametrize("conditioning", ["none", "projection"])
def test_bf16_autocast_on_cpu_trains_with_finite_fp32_losses(digits, conditioning):
    e = Engine(small(precision="bf16", conditioning=conditioning), digits, CPU)
    assert e.accel.precision == "bf16"
    before = weights(e)
    real, y = e._batch()
    scores = e._critic(e._d_input(real), y)
    assert scores.dtype == torch.float32  # the losses see fp32 logits
    assert e._generate(e._z(4), None if y is None else y[:4]).dtype == torch.float32
    values = train(e, 10)
    assert all(torch.isfinite(torch.tensor(v)) for v in values.values()), values
    assert all(p.dtype == torch.float32 for p in e.g_params + e.d_params)  # weights and Adam moments stay fp32
    assert any(not torch.equal(a, b) for a, b in zip(before, weights(e)))  # it trained
    assert e.sample_fixed().dtype == torch.float32


def test_bf16_follows_fp32_closely_over_a_few_steps(digits):
    """Same seed, same batches: bf16 autocast changes only rounding, so the first losses agree to ~1%."""
    a, b = Engine(small(), digits, CPU), Engine(small(precision="bf16"), digits, CPU)
    la, lb = train(a, 3), train(b, 3)
    for k in ("d_loss", "g_loss"):
        assert abs(la[k] - lb[k]) < 0.03 * abs(la[k]) + 1e-3, (k, la[k], lb[k])


@pytest.mark.parametrize("penalty", ["gp", "r1"])
def test_gradient_penalties_under_bf16_autocast_match_fp32(digits, penalty):
    """grad_x D(x) through bf16 convolutions: the penalty (norms computed in fp32) stays within a few percent of
    the fp32 value, and its gradient reaches D's weights."""
    e = Engine(small(loss="wgan-gp" if penalty == "gp" else "ns", r1_weight=0.0 if penalty == "gp" else 1.0),
               digits, CPU)
    real, _ = e._batch()
    fake = e._generate(e._z(real.shape[0]), None).detach()
    values = {}
    for prec in ("fp32", "bf16"):
        e.accel.precision = prec
        critic = e._penalty_critic(None)
        gen = torch.Generator().manual_seed(0)
        values[prec] = (gradient_penalty(critic, real, fake, generator=gen) if penalty == "gp"
                        else r1_penalty(critic, real))
    assert values["bf16"].dtype == torch.float32
    assert abs(values["bf16"].item() - values["fp32"].item()) < 0.05 * values["fp32"].item() + 1e-6, values
    values["bf16"].backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in e.d_params)


def test_fp16_loss_scaling_path_on_cpu(digits):
    """The fp16 path (GradScaler per player, unscale before the norm and clipping, fp32 D in the penalty) run on
    the CPU, whose autocast also has fp16: the gradient norms are the true ones (not x 65536) and match fp32's."""
    cfg = small(r1_weight=1.0, grad_clip=10.0)
    a, b = Engine(cfg, digits, CPU), Engine(cfg, digits, CPU)
    b.accel.precision = "fp16"  # what resolve_precision gives on CUDA only
    b.scaler_g, b.scaler_d = b.accel.scaler(), b.accel.scaler()
    assert b.scaler_d.get_scale() == 65536.0
    la, lb = train(a, 3), train(b, 3)
    assert all(torch.isfinite(torch.tensor(v)) for v in lb.values()), lb
    for k in ("grad_norm_d", "grad_norm_g", "d_loss"):
        assert abs(la[k] - lb[k]) < 0.1 * abs(la[k]) + 1e-6, (k, la[k], lb[k])


@pytest.mark.parametrize("loss", ["wgan-gp", "hinge", "lsgan"])
def test_bf16_trains_other_losses(digits, loss):
    extra = {"d_steps": 2} if loss == "wgan-gp" else {}
    values = train(Engine(small(precision="bf16", loss=loss, **extra), digits, CPU), 4)
    assert all(torch.isfinite(torch.tensor(v)) for v in values.values()), values


# ---------------------------------------------------------------------------- channels_last
def test_channels_last_layout_and_same_results(digits):
    a, b = Engine(small(), digits, CPU), Engine(small(channels_last="on"), digits, CPU)
    assert b.accel.channels_last and not a.accel.channels_last
    conv = next(m for m in b.D.modules() if isinstance(m, torch.nn.Conv2d))
    assert conv.weight.is_contiguous(memory_format=torch.channels_last)
    la, lb = train(a, 3), train(b, 3)
    for k in ("d_loss", "g_loss"):  # a layout change: the same maths, up to summation order
        assert abs(la[k] - lb[k]) < 1e-3 * abs(la[k]) + 1e-5, (k, la[k], lb[k])
    assert b._generate(b._z(4), None).is_contiguous(memory_format=torch.channels_last)


def test_channels_last_auto_is_for_conv_nets_on_cuda_and_with_bf16_on_cpu():
    cuda = torch.device("cuda")  # only a device object: nothing runs there
    assert use_channels_last("auto", cuda, conv=True) and use_channels_last("auto", CPU, conv=True, precision="bf16")
    assert not use_channels_last("auto", CPU, conv=True) and not use_channels_last("auto", cuda, conv=False)
    assert use_channels_last("on", CPU, conv=False) and not use_channels_last("off", cuda, conv=True)
    assert not Accel.for_config(small(channels_last="auto"), CPU, conv=True).channels_last  # fp32
    auto = Accel.for_config(small(channels_last="auto", precision="auto"), CPU, conv=True)
    assert auto.channels_last == (auto.precision == "bf16")


def test_checkpoint_and_resume_with_channels_last_bf16_and_ema(tmp_path):
    """channels_last weights (G, D, the EMA copy) go into safetensors in the standard layout, and a run resumes."""
    cfg = small(precision="bf16", channels_last="on", ema_decay=0.9, steps=10)
    run = TrainingRun(cfg, tmp_path / "r")
    run.run()
    assert run.state == "finished", run.error
    more = TrainingRun.resume_from(tmp_path / "r", steps=15)
    more.run()
    assert more.state == "finished" and more.step == 15, more.error


# ---------------------------------------------------------------------------- torch.compile
class Broken(torch.nn.Module):
    """What a failing torch.compile looks like to the engine: the first call raises."""

    def __init__(self, module: torch.nn.Module):
        super().__init__()
        self.m = module

    def forward(self, *args, **kw):
        raise RuntimeError("inductor: no C++ compiler found (forced failure for the test)")


def test_compile_failure_falls_back_to_eager_with_no_effect_on_training(digits, monkeypatch):
    monkeypatch.setattr(engine_mod, "compile_module", Broken)
    a = Engine(small(compile=True), digits, CPU)
    assert a.compile_pending and isinstance(a._d_call, Broken)
    va = train(a, 5)  # the first step compiles (fails), rolls back, and trains eagerly
    assert a.accel.compile_error.startswith("RuntimeError: inductor: no C++ compiler")
    assert not a.accel.summary()["compiled"] and a._d_call is a.D
    b = Engine(small(), digits, CPU)
    vb = train(b, 5)
    assert a.step == b.step == 5
    assert va == vb  # the failed attempt left no trace: same weights, batches and metrics as never compiling
    assert all(torch.equal(x, y) for x, y in zip(weights(a), weights(b)))


def test_compile_warm_up_is_rolled_back(digits, monkeypatch):
    """A compile that works: the warm-up iteration runs through the wrappers and is then undone."""
    calls = []

    def fake_compile(module):
        calls.append(module)
        return module  # "compiled" = the module itself

    monkeypatch.setattr(engine_mod, "compile_module", fake_compile)
    a = Engine(small(compile=True, ema_decay=0.9), digits, CPU)
    a.warm_up_compile()
    assert len(calls) == 2 and a.step == 0 and a.accel.compile_error is None and a.accel.summary()["compiled"]
    b = Engine(small(ema_decay=0.9), digits, CPU)
    assert train(a, 4) == train(b, 4)
    assert all(torch.equal(x, y) for x, y in zip(weights(a), weights(b)))
    assert all(torch.equal(x, y) for x, y in zip(a.ema.state_dict().values(), b.ema.state_dict().values()))


def test_run_reports_compile_fallback_in_its_status(tmp_path, monkeypatch):
    monkeypatch.setattr(engine_mod, "compile_module", Broken)
    phases = []
    run = TrainingRun(small(compile=True, steps=10), tmp_path / "r")
    orig = Engine.warm_up_compile

    def spy(self):
        phases.append(run.status()["phase"])
        orig(self)

    monkeypatch.setattr(Engine, "warm_up_compile", spy)
    run.run()
    assert run.state == "finished", run.error
    assert phases == ["compiling"]
    st = run.status()
    assert st["phase"] is None and st["accel"]["compiled"] is False
    assert "forced failure" in st["accel"]["compile_error"]


# ---------------------------------------------------------------------------- options
def test_speed_options_are_registered_and_on_the_command_line():
    from gan_core.cli import build_parser
    from gan_core.options import all_options

    opts = all_options()
    for name in ("precision", "channels_last", "compile"):
        assert name in opts.names() and len(opts.help(name)) > 30
    args = build_parser().parse_args(["train", "--precision", "bf16", "--channels-last", "on", "--compile"])
    assert (args.precision, args.channels_last, args.compile) == ("bf16", "on", True)
    with pytest.raises(SystemExit):
        build_parser().parse_args(["train", "--precision", "fp64"])


# ---------------------------------------------------------------------------- CUDA (skipped without a GPU)
@pytest.mark.cuda
@needs_cuda
@pytest.mark.parametrize("precision", ["auto", "bf16", "fp16", "fp32"])
def test_cuda_precisions_train(digits, precision):
    cuda = torch.device("cuda")
    e = Engine(small(device="cuda", precision=precision, channels_last="auto"), digits, cuda)
    assert e.accel.channels_last and torch.backends.cudnn.benchmark
    if precision == "fp16":
        assert e.scaler_d is not None and e.scaler_g is not None
    values = train(e, 10)
    assert all(torch.isfinite(torch.tensor(v)) for v in values.values()), values


@pytest.mark.cuda
@needs_cuda
def test_cuda_step_has_no_host_sync(digits):
    """No .item()/.cpu() inside an iteration: torch raises on any synchronising call in "error" mode."""
    e = Engine(small(device="cuda", precision="bf16", ema_decay=0.99, r1_weight=0.1), digits, torch.device("cuda"))
    train(e, 2)
    torch.cuda.set_sync_debug_mode("error")
    try:
        for _ in range(3):
            e.train_step()
    finally:
        torch.cuda.set_sync_debug_mode("default")
    assert e.flush().step == 5


@pytest.mark.cuda
@needs_cuda
def test_cuda_compile_trains(digits):
    e = Engine(small(device="cuda", compile=True), digits, torch.device("cuda"))
    values = train(e, 5)
    assert e.accel.compile_error is None, e.accel.compile_error
    assert all(torch.isfinite(torch.tensor(v)) for v in values.values())


# ---------------------------------------------------------------------------- bench/engine_vs_examples.py
def test_engine_vs_examples_bench_runs_on_cpu(capsys):
    """The GPU check's throughput comparison, at toy sizes on the CPU (bench/gpu_check.sh runs it on CUDA)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "bench" / "engine_vs_examples.py"
    spec = importlib.util.spec_from_file_location("engine_vs_examples", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    threads = torch.get_num_threads()
    try:
        assert mod.main(["--device", "cpu", "--batch", "4", "--width", "4", "--steps", "1", "--warmup", "1",
                         "--rounds", "1", "--threads", "1"]) == 0
    finally:
        torch.set_num_threads(threads)
    out = capsys.readouterr().out
    assert "RESULT engine_vs_examples best=engine" in out and "ratio=" in out
    for name in ("examples", "engine-fp32", "engine"):
        assert any(line.startswith(name + " ") for line in out.splitlines()), name
