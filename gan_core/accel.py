"""Device-specific speed settings of a run: mixed precision, memory layout, backend flags, torch.compile.

Why a module of its own: the engine's maths must not change with the device, only how fast it runs.
Everything here is a choice of *how* to compute (which dtype a convolution uses, how a tensor is laid
out, which kernels cuDNN picks), resolved once per run from the config and the device:

- precision (`auto | fp32 | bf16 | fp16`): autocast runs convolutions and matrix products in a 16-bit
  type while weights, optimiser moments, losses and gradient norms stay fp32. bf16 keeps fp32's
  exponent range (8 bits), so gradients cannot underflow and need no scaling; fp16 (5 exponent bits)
  needs a GradScaler: L is multiplied by S before backward, the gradients divided by S before the
  step, and a step whose gradients overflowed is skipped while S shrinks. `auto` is bf16 on a CUDA GPU
  that supports it (fp16 + scaling on older GPUs) and on a CPU with AMX-BF16 (oneDNN's bf16 matrix
  tiles), where it was measured faster at equal quality (README, "Engine speed"); fp32 elsewhere.
- channels_last (NHWC) for conv nets on CUDA, the layout tensor cores and cuDNN's fastest kernels
  want, and on a CPU together with bf16 (oneDNN's bf16 convolutions want it too; measured in the README).
- cudnn.benchmark (try the convolution algorithms once per shape and keep the fastest: the shapes of a
  GAN step never change) and TF32 matrix products (10-bit mantissa inputs, fp32 accumulation) on CUDA.
- torch.compile (optional): the training calls of G and D go through compiled wrappers that share
  the modules' parameters, so state dicts, checkpoints, EMA and sampling are untouched. Compilation
  happens lazily at the first call; the engine runs that first step as a "compiling" phase and falls
  back to eager execution, with the reason kept, when compilation fails.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

import torch

from gan_core.config import choices_of

PRECISIONS = choices_of("precision")  # auto, fp32, bf16, fp16 (declared with the option in gan_core.config)
CHANNELS_LAST = choices_of("channels_last")  # auto, on, off

_DTYPES = {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}
CPU_AUTO_BF16 = True  # 'auto' picks bf16 for conv nets on a CPU with AMX-BF16: 1.3-1.8x, same FD_clf (README)
CPU_BF16_ARCHS = ("dcgan",)  # the architectures measured faster in bf16 on a CPU (the others stay fp32 under auto)


def cpu_has_fast_bf16() -> bool:
    """True when this CPU runs bf16 matrix products natively (AMX tiles or AVX512-BF16) and oneDNN can use
    them. Without them autocast emulates bf16 and is slower than fp32."""
    try:
        amx = torch.cpu._is_amx_tile_supported()
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported() and amx)
    except (AttributeError, RuntimeError):
        return False


def resolve_precision(choice: str, device: torch.device, conv: bool = True) -> str:
    """'auto' -> the fastest precision measured safe on this device; an explicit choice is checked (ValueError).
    `conv`: the nets are convolutional (on a CPU, bf16 was measured to pay off for conv nets only).

    This module imports only torch (the engine registers its config options and turns errors into ConfigError),
    so that it stays a leaf below the engine."""
    if choice not in PRECISIONS:
        raise ValueError(f"unknown value {choice!r}; allowed: {', '.join(PRECISIONS)}")
    if device.type == "cuda":
        if choice == "auto":
            return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
        return choice
    if device.type == "cpu":
        if choice == "auto":
            return "bf16" if CPU_AUTO_BF16 and conv and cpu_has_fast_bf16() else "fp32"
        if choice == "fp16":
            raise ValueError("fp16 is for CUDA GPUs (a CPU has no fast fp16); choose auto, bf16 or fp32")
        return choice
    return "fp32" if choice == "auto" else choice  # other devices (mps, ...): only what is asked for


def use_channels_last(choice: str, device: torch.device, conv: bool, precision: str = "fp32") -> bool:
    """'on' / 'off' as asked; 'auto' = conv nets on CUDA, and on a CPU with bf16, where oneDNN's bf16 convolutions
    run on NHWC without reordering (measured: +10-30% over bf16 alone at width 32/64 unconditional, neutral
    conditional; fp32 alone gained little)."""
    if choice != "auto":
        return choice == "on"
    return conv and (device.type == "cuda" or precision == "bf16")


def configure_backends(device: torch.device) -> None:
    """Process-wide CUDA flags that only change speed: cuDNN autotuning for the fixed shapes of a GAN
    step, and TF32 for fp32 matrix products and convolutions (what autocast leaves in fp32)."""
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
        torch.set_float32_matmul_precision("high")


def compile_module(module: torch.nn.Module) -> Any:
    """A compiled callable sharing `module`'s parameters (a seam: tests replace it to force a failure)."""
    return torch.compile(module)


@dataclass
class Accel:
    """The resolved settings of one run and the helpers the engine calls."""

    device: torch.device
    precision: str = "fp32"  # resolved: fp32 | bf16 | fp16
    channels_last: bool = False
    compile: bool = False  # asked for; `compile_error` says why it fell back to eager
    compile_error: str | None = None
    compile_seconds: float = 0.0

    @classmethod
    def for_config(cls, cfg: Any, device: torch.device, conv: bool) -> Accel:
        measured = device.type != "cpu" or getattr(cfg, "arch", None) in CPU_BF16_ARCHS
        precision = resolve_precision(cfg.precision, device, conv and measured)
        configure_backends(device)
        return cls(device=device, precision=precision, compile=cfg.compile,
                   channels_last=use_channels_last(cfg.channels_last, device, conv, precision))

    @property
    def dtype(self) -> torch.dtype | None:
        return _DTYPES[self.precision]

    def autocast(self) -> contextlib.AbstractContextManager:
        """The context of a forward pass: autocast to the 16-bit type, or nothing in fp32."""
        if self.dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.dtype)

    def scaler(self) -> torch.amp.GradScaler | None:
        """fp16 only: a loss scaler (bf16 and fp32 gradients cannot underflow the way fp16's do)."""
        return torch.amp.GradScaler(self.device.type) if self.precision == "fp16" else None

    def layout(self, x: torch.Tensor) -> torch.Tensor:
        return x.contiguous(memory_format=torch.channels_last) if self.channels_last and x.dim() == 4 else x

    def prepare(self, *modules: torch.nn.Module) -> None:
        if self.channels_last:
            for m in modules:
                m.to(memory_format=torch.channels_last)

    def summary(self) -> dict[str, Any]:
        """What the status shows: the settings in force (compile: whether compiled code runs)."""
        return {"precision": self.precision, "channels_last": self.channels_last,
                "compiled": self.compile and self.compile_error is None, "compile_error": self.compile_error,
                "compile_seconds": round(self.compile_seconds, 2)}
