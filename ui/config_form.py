"""The training form: widgets that build a TrainConfig. Select boxes read the registries, and
help texts come from the code that registers each option, so adding an option needs no change
here."""

from __future__ import annotations

import dataclasses
from typing import Any

import streamlit as st

from gan_core.config import PRESETS, ConfigError, TrainConfig
from gan_core.engine import resolve_device
from gan_core.losses import LOSSES
from gan_core.models import ARCHS
from gan_core.optim import SCHEDULES, lr_curve
from ui.data_form import DATA_FIELDS, dataset_form, set_dataset_state

KEY = "cfg_"  # session_state key prefix of every form widget
DEFAULT_PRESET = "ring8-mlp"


def _apply(values: dict[str, Any]) -> None:
    set_dataset_state(KEY, values)  # dataset (KEY:PATH split into its widgets) and preprocessing
    for f in dataclasses.fields(TrainConfig):
        if f.name in values and f.name not in DATA_FIELDS:
            st.session_state[KEY + f.name] = values[f.name]


def _on_preset() -> None:
    name = st.session_state.get("preset")
    if name in PRESETS:
        _apply({**TrainConfig().to_dict(), **PRESETS[name].fields})


def load_into_form(cfg: TrainConfig) -> None:
    """Fill the form from a config (e.g. 'train again with these settings')."""
    _apply(cfg.to_dict())


def _init() -> None:
    if KEY + "dataset" not in st.session_state:
        st.session_state.preset = DEFAULT_PRESET
        _on_preset()


def _select(field: str, registry, label: str) -> None:
    names = registry.names()
    st.selectbox(label, names, key=KEY + field, format_func=registry.label,
                 help=registry.help(st.session_state.get(KEY + field, names[0])))
    st.caption(registry.help(st.session_state[KEY + field]))


def config_form() -> tuple[TrainConfig | None, str | None]:
    """Draw the form (in the current container) and return (config, None) or (None, error)."""
    _init()
    st.selectbox("Preset", list(PRESETS), key="preset", format_func=lambda k: PRESETS[k].label, on_change=_on_preset,
                 help="Known-good settings; choosing one fills the form, and every field stays editable.")
    data_values, data_error = dataset_form(KEY, st.session_state.get(KEY + "data_dir", "data"))
    _select("arch", ARCHS, "Architecture")
    _select("loss", LOSSES, "Loss")
    if st.session_state[KEY + "loss"] == "wgan-gp":
        st.number_input("Gradient penalty weight (lambda)", 0.01, 1000.0, step=1.0, key=KEY + "gp_weight")

    st.markdown("**Optimisation** (Adam)")
    c1, c2 = st.columns(2)
    c1.number_input("LR of G", 1e-6, 1.0, step=1e-4, format="%.6f", key=KEY + "lr_g", help="Generator learning rate.")
    c2.number_input("LR of D", 1e-6, 1.0, step=1e-4, format="%.6f", key=KEY + "lr_d",
                    help="Discriminator learning rate. A different value from G's is the two time-scale update rule.")
    c1.number_input("Adam beta1", 0.0, 0.999, step=0.05, format="%.3f", key=KEY + "beta1",
                    help="Momentum of Adam's first moment; 0.5 (DCGAN) or 0 (WGAN-GP) damps the game's oscillation.")
    c2.number_input("Adam beta2", 0.0, 0.9999, step=0.001, format="%.4f", key=KEY + "beta2")
    _select("schedule", SCHEDULES, "LR schedule")
    if st.session_state[KEY + "schedule"] == "step":
        c1, c2 = st.columns(2)
        c1.number_input("Decay every N steps", 1, 10_000_000, step=100, key=KEY + "lr_step_every")
        c2.number_input("Decay factor gamma", 0.01, 1.0, step=0.05, key=KEY + "lr_gamma")
    c1, c2 = st.columns(2)
    c1.number_input("Batch size", 1, 4096, step=16, key=KEY + "batch_size",
                    help="Samples per step. Larger batches give smoother gradients but fewer updates per second.")
    c2.number_input("Steps", 1, 10_000_000, step=500, key=KEY + "steps", help="Generator updates to train for.")
    c1.number_input("D steps per G step", 1, 100, key=KEY + "d_steps",
                    help="Train D this many times per G update (5 is usual with WGAN-GP).")
    c2.number_input("Latent size", 1, 1024, key=KEY + "latent_dim", help="Dimension of the noise z ~ N(0, I).")
    c1.number_input("Model width", 4, 2048, step=16, key=KEY + "width",
                    help="MLP: first hidden layer (doubling per layer). DCGAN: base number of channels.")
    c2.number_input("Seed", 0, 2**31 - 1, key=KEY + "seed")
    st.selectbox("Device", ["auto", "cpu", "cuda"], key=KEY + "device")
    try:
        st.caption(f"Training will run on **{resolve_device(st.session_state[KEY + 'device'])}**.")
    except RuntimeError as e:
        st.caption(f":red[{e}]")
    with st.expander("Logging"):
        st.number_input("Log metrics every N steps", 1, 100_000, key=KEY + "log_every")
        st.number_input("Sample grid every N steps", 1, 10_000_000, key=KEY + "sample_every")
        st.number_input("Fixed-noise samples shown", 1, 2048, key=KEY + "n_fixed")
        st.number_input("Checkpoint every N seconds", 1.0, 86400.0, key=KEY + "checkpoint_every_s")
        st.text_input("Data directory", key=KEY + "data_dir",
                      help="Looked in first for the MNIST-family and CIFAR-10 files (downloads go there too).")

    values = {f.name: st.session_state[KEY + f.name] for f in dataclasses.fields(TrainConfig)}
    values.update(data_values)
    try:
        cfg = TrainConfig(**values).validate()
    except ConfigError as e:
        return None, str(e)
    if data_error:  # a path source without a file, or a path outside the data root
        return None, data_error
    return cfg, None


@st.cache_data(max_entries=64, show_spinner=False)
def lr_preview(cfg_dict: dict) -> tuple[list[int], list[float], list[float]]:
    """(steps, lr_g, lr_d) of the chosen schedule, from the real torch scheduler."""
    cfg = TrainConfig(**cfg_dict)
    s, g = lr_curve(cfg, cfg.lr_g)
    _, d = lr_curve(cfg, cfg.lr_d)
    return s, g, d
