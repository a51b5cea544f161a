"""Explore page: where the generator comes from, and the caches that keep it loaded.

Three sources, one result (`Explorable`): a shipped model in pretrained/ (gan_core.pretrained),
the latest checkpoint of any run in the runs directory (finished, stopped or still training) or its
best one (checkpoints/best.safetensors, kept whenever the run's monitored score is logged), or
an uploaded safetensors + JSON pair, validated by `load_uploaded` (pickles are never loaded).

Loaded generators are shared by every session through `st.cache_resource`, keyed by what
identifies the weights (name and file time, or the upload's SHA-256), so moving a slider never
reloads a model, and a running run's newer checkpoint is picked up when its file changes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import streamlit as st
import torch

from gan_core.checkpoint import CheckpointError, load_models
from gan_core.latent import Directions, LatentModel
from gan_core.messages import Msg
from gan_core.pretrained import PretrainedError, list_pretrained, load_pretrained, load_uploaded
from gan_core.store import list_runs
from ui.class_mode import listed
from ui.i18n import _, tr
from ui.run_cards import STATE_NAMES

SOURCES = ("Pretrained", "Run checkpoint", "Upload")  # ids (session state); SOURCE_NAMES: what the radio shows
SOURCE_NAMES = {"Pretrained": Msg("Pretrained"), "Run checkpoint": Msg("Run checkpoint"), "Upload": Msg("Upload")}
# The facts' names (the keys of Explorable.facts stay these English ids; the page shows them translated)
FACT_NAMES = {"dataset": Msg("dataset"), "architecture": Msg("architecture"), "loss": Msg("loss"),
              "steps": Msg("steps"), "training time": Msg("training time"), "latent size": Msg("latent size"),
              "sample shape": Msg("sample shape"), "stored as": Msg("stored as"), "checkpoint": Msg("checkpoint")}
PCA_SAMPLES = 2048  # latents behind each GANSpace PCA
PCA_K = 10  # principal directions computed (the sliders show the first few)


@dataclass
class Explorable:
    """A generator ready to explore, with what the page shows about it."""

    key: str  # identifies these weights (cache key of derived things such as PCA directions)
    title: str  # a Msg or a registry text (a card's title): the page shows tr(title)
    model: LatentModel
    kind: str  # "image" | "points"
    sample_shape: list[int]
    facts: dict[str, Any] = field(default_factory=dict)  # FACT_NAMES id -> value (a Msg where it has words)
    command: str = ""  # the command that trains it, when known
    scores: dict[str, Any] = field(default_factory=dict)


def _explorable(key: str, title: str, G: torch.nn.Module, cfg, *, shape: list[int], n_classes: int,
                class_names: list[str] | None, facts: dict[str, Any], command: str = "",
                scores: dict | None = None) -> Explorable:
    G = G.float().eval()
    model = LatentModel(G, cfg.latent_dim, noise=cfg.noise, num_classes=n_classes, class_names=class_names)
    kind = "points" if len(shape) == 1 else "image"
    return Explorable(key, title, model, kind, list(shape), facts, command, dict(scores or {}))


def _class_names(dataset: str, n: int) -> list[str] | None:
    try:
        from gan_core.data import DATASETS

        names = list(getattr(DATASETS.get(dataset), "class_names", ()) or ())
    except (KeyError, ValueError):
        return None
    return names if len(names) == n else None


def _card_explorable(key: str, G, cfg, card) -> Explorable:
    facts = {"dataset": card.dataset, "architecture": card.arch, "loss": card.loss, "steps": card.steps,
             "training time": Msg("{s:.0f} s on {device}", s=card.wall_time_s, device=card.device),
             "latent size": card.latent_dim,
             "sample shape": " × ".join(map(str, card.sample_shape)), "stored as": card.dtype}
    return _explorable(key, card.title, G, cfg, shape=card.sample_shape, n_classes=card.n_classes,
                       class_names=card.class_names or _class_names(card.dataset, card.n_classes), facts=facts,
                       command=card.command, scores=card.scores)


@st.cache_resource(max_entries=16, show_spinner=False)  # the caller shows a spinner in the session's language
def load_pretrained_cached(name: str, stamp: float) -> Explorable:
    """A shipped model; `stamp` (the file's mtime) makes a replaced file load afresh."""
    G, cfg, card = load_pretrained(name)
    return _card_explorable(f"pretrained:{name}:{stamp}", G, cfg, card)


@st.cache_resource(max_entries=8, show_spinner=False)
def load_checkpoint_cached(path: str, stamp: float) -> Explorable:
    """A run's last checkpoint; `stamp` (its mtime) changes each time a running run saves."""
    G, _D, cfg, meta = load_models(path)
    del _D
    shape = meta.get("sample_shape")
    if not shape:  # an older checkpoint without it: one forward pass tells
        with torch.inference_mode():
            shape = list(G(torch.zeros(2, cfg.latent_dim)).shape[1:])
    n = int(meta.get("num_classes", 0)) if cfg.conditioning != "none" else 0
    facts = {"dataset": cfg.dataset, "architecture": cfg.arch, "loss": cfg.loss,
             "steps": Msg("{step} of {steps}", step=meta.get("step", "?"), steps=cfg.steps),
             "latent size": cfg.latent_dim,
             "sample shape": " × ".join(map(str, shape))}
    best = meta.get("best") if Path(path).stem == "best" else None
    if isinstance(best, dict) and isinstance(best.get("value"), (int, float)):
        facts["checkpoint"] = Msg("best {metric} = {value:.4g} (at step {step})",
                                  metric=best.get("metric"), value=best["value"], step=best.get("step"))
    run_id = meta.get("run_id") or Path(path).parent.parent.name
    from gan_core.store import read_json

    try:  # the run's name (status.json), else its id
        name = read_json(Path(path).parent.parent / "status.json").get("name") or run_id
    except (OSError, ValueError, AttributeError):
        name = run_id
    title = (Msg("Run {name} ({arch} on {dataset}), best checkpoint", name=name, arch=cfg.arch, dataset=cfg.dataset)
             if best is not None else Msg("Run {name} ({arch} on {dataset})", name=name, arch=cfg.arch,
                                          dataset=cfg.dataset))
    return _explorable(f"run:{path}:{stamp}", title, G, cfg, shape=list(shape),
                       n_classes=n, class_names=_class_names(cfg.dataset, n), facts=facts)


@st.cache_resource(max_entries=4, show_spinner=False)
def load_upload_cached(digest: str, _weights: bytes, _card: bytes) -> Explorable:
    """An uploaded pair, keyed by the SHA-256 of both files (the bytes themselves are not hashed
    again by Streamlit: the leading underscore)."""
    G, cfg, card = load_uploaded(_weights, _card)
    return _card_explorable(f"upload:{digest}", G, cfg, card)


@st.cache_resource(max_entries=32, show_spinner=False)
def pca_cached(key: str, _ex: Explorable, k: int = PCA_K) -> Directions:
    """GANSpace directions of one model, computed once per model and shared by every session."""
    return _ex.model.ganspace(k=k, n=PCA_SAMPLES, seed=0)


def showcase_order(cards: list) -> list:
    """Shipped models in the order a projector shows them best: images before 2-D points, larger
    images before smaller (8x8 digits look like noise on a wall), then by the card's measured
    quality: lower Fréchet distance for images, more modes covered and lower KL for points. The
    first is what Explore opens on, so the choice is deliberate, not alphabetical."""

    def num(card, key: str, default: float) -> float:
        v = (card.scores or {}).get(key)
        return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else default

    def rank(card) -> tuple:
        pixels = card.sample_shape[-1] * card.sample_shape[-2] if len(card.sample_shape) >= 2 else 0
        return (card.kind != "image", -pixels, num(card, "fd_clf", float("inf")),
                -num(card, "modes_covered", 0.0), num(card, "kl", float("inf")), card.name)

    return sorted(cards, key=rank)


def run_label(run: dict[str, Any]) -> str:
    """'fmnist-dcgan · lr 1 · dcgan on fashion-mnist · finished at step 2,000': the run's name
    (its id for runs from before names), then what it is and where it stands."""
    step, state = run.get("step"), str(run["state"])
    state = tr(STATE_NAMES.get(state, state))
    where = _("{state} at step {step:,}").format(state=state, step=step) if isinstance(step, int) else state
    return _("{name} · {arch} on {dataset} · {where}").format(name=run.get("name") or run["id"], arch=run["arch"],
                                                           dataset=run["dataset"], where=where)


def run_checkpoints() -> list[dict[str, Any]]:
    """Runs that have a checkpoint, newest first: {id, name, state, step, steps, path, arch, dataset,
    best_path, best, owner}; best_path (None when there is none) is checkpoints/best.safetensors, best its
    {metric, value, step} from status.json."""
    out = []
    for r in list_runs():
        ck = Path(r["dir"]) / "checkpoints" / "last.safetensors"
        best = ck.with_name("best.safetensors")
        if ck.is_file() and ck.with_suffix(".json").is_file():
            name = r.get("name") if isinstance(r.get("name"), str) and r.get("name", "").strip() else None
            out.append({"id": Path(r["dir"]).name, "name": name, "state": r.get("state", "?"), "step": r.get("step"),
                        "steps": r.get("steps"), "path": str(ck), "arch": r.get("arch"), "dataset": r.get("dataset"),
                        "best_path": str(best) if best.is_file() and best.with_suffix(".json").is_file() else None,
                        "best": r.get("best") if isinstance(r.get("best"), dict) else None,
                        "owner": r.get("owner")})
    return out


def choose_model() -> Explorable | None:
    """The sidebar's model chooser. Returns the loaded model, or None (with a message shown)."""
    cards = showcase_order(list_pretrained())
    runs = listed(run_checkpoints())  # on a class server a student's own runs only (ui/class_mode.py)
    _apply_open_request()
    st.session_state.setdefault("exk_source", SOURCES[0] if cards else SOURCES[1] if runs else SOURCES[2])
    source = st.radio(_("Model from"), SOURCES, key="exk_source", horizontal=True,
                      format_func=lambda s: tr(SOURCE_NAMES[s]),
                      help=_("A model shipped in pretrained/, the latest checkpoint of a run (finished or still "
                             "training), or your own safetensors weights with their JSON card or checkpoint "
                             "sidecar."))
    try:
        if source == "Pretrained":
            if not cards:
                st.info(_("No pretrained models in pretrained/ yet. Pick a run checkpoint or upload one."))
                return None
            names = [c.name for c in cards]
            titles = {c.name: tr(c.title) for c in cards}
            if st.session_state.get("exk_pretrained") not in names:
                st.session_state["exk_pretrained"] = names[0]
            name = st.selectbox(_("Pretrained model"), names, key="exk_pretrained", format_func=lambda n: titles[n],
                                placeholder=_("Choose an option"))
            from gan_core.pretrained import PRETRAINED_DIR

            stamp = (PRETRAINED_DIR / f"{name}.safetensors").stat().st_mtime
            with st.spinner(_("Loading the generator...")):
                return load_pretrained_cached(name, stamp)
        if source == "Run checkpoint":
            if not runs:
                st.info(_("No run has a checkpoint yet. Train one on the Train page, or pick a pretrained model."))
                return None
            by_id = {r["id"]: r for r in runs}
            if st.session_state.get("exk_run") not in by_id:
                st.session_state["exk_run"] = runs[0]["id"]
            rid = st.selectbox(_("Run"), list(by_id), key="exk_run", format_func=lambda i: run_label(by_id[i]),
                               placeholder=_("Choose an option"))
            path = _which_checkpoint(by_id[rid])
            if by_id[rid]["state"] in ("running", "starting", "queued", "paused"):
                st.caption(_("This run is still going: its checkpoint is refreshed every 30 s, and the page loads "
                             "the newest one when it changes."))
            with st.spinner(_("Loading the checkpoint...")):
                return load_checkpoint_cached(path, Path(path).stat().st_mtime)
        return _upload()
    except (PretrainedError, CheckpointError, OSError, ValueError) as e:
        st.error(_("Cannot load this model: {error}").format(error=tr(e)))
        return None


def open_in_explore(run_id: str, which: str = "last") -> None:
    """Ask the Explore page to open this run's checkpoint ("last" | "best") on its next draw (Compare's
    buttons: the Explore page's own widget keys are not set from another page, whose run drops them)."""
    st.session_state["explore_open"] = {"run": run_id, "which": which}


def _apply_open_request() -> None:
    request = st.session_state.pop("explore_open", None)
    if isinstance(request, dict):
        st.session_state["exk_source"] = SOURCES[1]
        st.session_state["exk_run"] = request.get("run")
        st.session_state["exk_which"] = request.get("which", "last")


def _which_checkpoint(run: dict[str, Any]) -> str:
    """The run's last checkpoint, or its best one when it has one and it is chosen."""
    if not run.get("best_path"):
        return run["path"]
    best = run.get("best") or {}
    value = best.get("value")
    best_text = (_("best: {metric} {value:.4g} at step {step}").format(metric=best.get("metric"),
                                                                       value=value, step=best.get("step"))
                 if isinstance(value, (int, float)) else _("best"))
    if st.session_state.get("exk_which") not in ("last", "best"):
        st.session_state["exk_which"] = "last"
    which = st.radio(_("Checkpoint"), ("last", "best"), key="exk_which", horizontal=True,
                     format_func=lambda w: _("latest") if w == "last" else best_text,
                     help=_("The latest checkpoint, or the one with the best monitored score so far (kept in "
                            "checkpoints/best.safetensors whenever the run logs its monitored score; --monitor)."))
    return run["best_path"] if which == "best" else run["path"]


def _upload() -> Explorable | None:
    st.caption(_("Weights as .safetensors (never a pickle) plus the JSON next to them: a model card "
                 "(pretrained/NAME.json) or a checkpoint sidecar (runs/ID/checkpoints/last.json)."))
    w = st.file_uploader(_("Weights (.safetensors)"), type=["safetensors"], key="ex_up_weights")
    c = st.file_uploader(_("Card or sidecar (.json)"), type=["json"], key="ex_up_card")
    if w is None or c is None:
        st.info(_("Upload both files to explore your model."))
        return None
    wb, cb = w.getvalue(), c.getvalue()
    digest = hashlib.sha256(hashlib.sha256(wb).digest() + hashlib.sha256(cb).digest()).hexdigest()
    try:
        with st.spinner(_("Checking and loading the upload...")):
            return load_upload_cached(digest, wb, cb)
    except PretrainedError as e:
        st.error(_("Upload refused: {error}").format(error=tr(e)))
    except Exception as e:
        st.error(_("Upload refused: the files could not be loaded as a generator ({kind}: {error})").format(
            kind=type(e).__name__, error=e))
    return None
