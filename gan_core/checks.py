"""Validation of the training options (models, losses, regularisers, optimisers, schedules) and
refusal of combinations that do not make sense, before any training starts.

`validate_config(cfg)` is the one entry point (the form, the command line, a run, a checkpoint's
config.json all go through it). It lives here, above the registries it reads (datasets,
architectures, losses, schedules), and not in `config.py`, which imports none of them: that is what
keeps the core free of import cycles. Ranges and allowed values come from the `OPTIONS` entries, so
the form's widgets, the CLI help and this validation cannot disagree. Every refusal is a ConfigError
naming the field and saying what is allowed instead; nothing is corrected silently.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from gan_core.config import OPTIONS, ConfigError, TrainConfig
from gan_core.data import DATASETS, DataError, DataOptionError, dataset_size, load_raw
from gan_core.data import check_options as check_data_options
from gan_core.data.toy2d import MIXTURES
from gan_core.losses import LOSSES, losses_where
from gan_core.models import ARCHS, GROWING, resolve_norms
from gan_core.models.progressive import growth_end
from gan_core.monitored import logged_error
from gan_core.options import choice_names, registry_of
from gan_core.regularizers import DIFFAUG


def validate_config(cfg: TrainConfig) -> TrainConfig:
    """Raise ConfigError naming the first bad field; return `cfg` when all is well."""
    for f in fields(cfg):  # types first: "64" or 64.5 would otherwise fail later, in the thread
        v, want = getattr(cfg, f.name), type(getattr(TrainConfig, f.name))
        ok = isinstance(v, (int, float)) if want is float else isinstance(v, want)
        if not ok or (isinstance(v, bool) and want is not bool):
            raise ConfigError(f.name, f"expected {want.__name__}, got {v!r}")
    try:  # dataset name (KEY or KEY:PATH) and preprocessing options; files are checked when read
        check_data_options(cfg)
    except DataOptionError as e:
        raise ConfigError(e.field, str(e)) from None
    n = dataset_size(cfg)  # at most the dataset's size (csv/folder/zip: None, checked when loaded)
    if n is not None and not 1 <= cfg.batch_size <= min(n, OPTIONS.get("batch_size").hi):
        raise ConfigError("batch_size", f"must be an integer from 1 to {min(n, int(OPTIONS.get('batch_size').hi))}, "
                          f"got {cfg.batch_size!r}")
    check_options(cfg)  # every field against its declaration: one of its choices, or a number in its range
    spec = DATASETS.get(cfg.dataset)
    if getattr(ARCHS.get(cfg.arch), "image_only", False) and spec.kind != "image":
        raise ConfigError("arch", f"{cfg.arch!r} needs an image dataset; {cfg.dataset!r} is 2-D points. Use 'mlp'.")
    if not cfg.data_dir.strip():
        raise ConfigError("data_dir", "must be a directory path, got an empty string")
    check_combinations(cfg)  # model/loss/regulariser/optimiser options and their combinations
    return cfg


def config_from_dict(d: dict[str, Any]) -> TrainConfig:
    """A validated TrainConfig from a dict (a config.json): unknown keys, wrong types and bad values refused."""
    return validate_config(TrainConfig.from_dict(d))


def check_options(cfg: Any) -> None:
    """Each field's value: one of its declared choices (a registry's names, or a tuple), or a number in its
    declared range. The declarations are in gan_core.config; nothing here repeats a range."""
    for name in OPTIONS.names():
        opt, v = OPTIONS.get(name), getattr(cfg, name)
        if opt.choices is not None:
            reg = registry_of(name)
            if v not in (reg if reg is not None else opt.choices) or isinstance(v, bool):
                allowed = reg.display_names() if hasattr(reg, "display_names") else choice_names(name)
                raise ConfigError(name, f"unknown value {v!r}; allowed: {', '.join(map(str, allowed))}")
        elif opt.lo is not None and not isinstance(v, bool) and not opt.allows(v):
            integer = type(getattr(TrainConfig, name)) is int
            raise ConfigError(name, f"must be {'' if integer else 'in '}{opt.range_text(integer)}, got {v!r}")


def dataset_labelled(cfg: Any) -> bool | None:
    """Whether the dataset has class labels: True / False when known without reading files, None
    when only the data can tell (image files, user uploads; the engine checks it when loading)."""
    try:
        spec = DATASETS.get(cfg.dataset)
    except KeyError:
        return None
    flag = getattr(spec, "labelled", None)
    if flag is not None:
        return bool(flag)
    if spec.kind == "points" and not spec.takes_path:  # generated toy data: cheap (and cached) to build
        try:
            raw, _ = load_raw(cfg)
        except DataError:
            return None
        return raw.y is not None
    return None


def check_combinations(cfg: Any) -> None:
    """Refuse settings that contradict each other, with what to do instead."""
    arch, loss = ARCHS.get(cfg.arch), LOSSES.get(cfg.loss)
    if cfg.depth > arch.max_depth:
        raise ConfigError("depth", f"{cfg.arch!r} allows a depth from 0 to {arch.max_depth}, got {cfg.depth}")
    if cfg.g_norm != "auto" and cfg.g_norm not in arch.g_norms:
        allowed = ", ".join(("auto", *arch.g_norms))
        why = " (it normalises with AdaIN)" if not arch.g_norms else ""
        raise ConfigError("g_norm", f"{cfg.arch!r} takes g_norm {allowed}{why}; got {cfg.g_norm!r}")
    penalty = ("the WGAN-GP gradient penalty" if loss.gradient_penalty
               else "the R1 penalty" if cfg.r1_weight > 0 else "")
    if cfg.d_norm == "batch" and penalty:
        raise ConfigError("d_norm", f"batch norm in D mixes the samples of a batch, so {penalty} (a per-sample "
                          "gradient) is not defined; choose d_norm auto, layer or none")
    # What a loss needs is read from its attributes (GANLoss), never from its name; the alternatives offered
    # are the registered losses without the conflicting attribute.
    plain = ", ".join(repr(n) for n in losses_where(weight_clipping=False, gradient_penalty=False))
    if loss.weight_clipping and cfg.r1_weight > 0:
        raise ConfigError("r1_weight", f"weight clipping (loss {cfg.loss!r}) already constrains D; an R1 penalty on "
                          f"top fights it. Set r1_weight to 0, or use R1 with a loss without clipping ({plain})")
    if loss.gradient_penalty and cfg.r1_weight > 0:
        raise ConfigError("r1_weight", f"loss {cfg.loss!r} already penalises D's gradient norm (on interpolates); a "
                          "second gradient penalty (R1 on real data) on top is redundant and hides which one acts. "
                          f"Set r1_weight to 0, or use R1 with {plain}")
    if loss.weight_clipping and cfg.spectral_norm:
        unclipped = ", ".join(repr(n) for n in losses_where(weight_clipping=False))
        raise ConfigError("spectral_norm", f"weight clipping (loss {cfg.loss!r}) and spectral norm are two ways of "
                          f"making D Lipschitz; use one: spectral_norm false, or a loss without clipping "
                          f"({unclipped}) with spectral norm")
    bce = ", ".join(losses_where(bce=True))
    if cfg.label_smoothing > 0 and not loss.bce:
        raise ConfigError("label_smoothing", f"one-sided label smoothing changes the real label of a binary "
                          f"cross-entropy loss ({bce}); loss {cfg.loss!r} has no labels. Set it to 0")
    if cfg.label_flip > 0 and not loss.bce:
        raise ConfigError("label_flip", f"label noise flips the real/fake labels of a binary cross-entropy loss "
                          f"({bce}); loss {cfg.loss!r} has no labels. Set it to 0")
    if cfg.conditioning != "none":
        if cfg.pac > 1:
            raise ConfigError("pac", "PacGAN packs samples of different classes into one D input, which a "
                              "conditional D cannot label; set pac to 1 or conditioning to none")
        if dataset_labelled(cfg) is False:
            raise ConfigError("conditioning", f"dataset {cfg.dataset!r} has no class labels, so a conditional model "
                              "cannot be trained on it; set conditioning to none or choose a labelled dataset")
    if cfg.num_d > 1 and cfg.pac > 1:
        raise ConfigError("num_d", f"several discriminators (num_d {cfg.num_d}) and PacGAN packing (pac {cfg.pac}) are "
                          "two remedies for mode collapse that this project does not combine; set num_d to 1 or pac "
                          "to 1")
    if cfg.num_d > 1 and getattr(cfg, "freeze_d", 0) > 0:
        raise ConfigError("freeze_d", f"FreezeD freezes the first blocks of one D; with num_d {cfg.num_d} there are "
                          f"{cfg.num_d}. Set freeze_d to 0 or num_d to 1")
    if cfg.batch_size % cfg.pac:
        raise ConfigError("pac", f"the batch size ({cfg.batch_size}) must be a multiple of the pack size {cfg.pac}")
    g_norm, d_norm = resolve_norms(cfg.arch, cfg.g_norm, cfg.d_norm, loss.d_batchnorm and cfg.r1_weight == 0)
    if cfg.batch_size < 2 and g_norm == "batch" or cfg.batch_size // cfg.pac < 2 and d_norm == "batch":
        raise ConfigError("batch_size", "batch norm needs at least 2 samples per batch (per D input with PacGAN); "
                          "raise the batch size or choose no batch norm")
    if cfg.diffaug != "none" and DATASETS.get(cfg.dataset).kind != "image":
        raise ConfigError("diffaug", f"DiffAugment transforms images; {cfg.dataset!r} is 2-D points. Set it to none "
                          f"(allowed for images: {', '.join(DIFFAUG.names())})")
    for net, k, part in (("G", cfg.freeze_g, "g"), ("D", cfg.freeze_d, "d")):  # transfer learning (init_from)
        if k and (not cfg.init_from.strip() or cfg.init_part not in ("both", part)):
            raise ConfigError(f"freeze_{part}", f"freezing {net}'s first blocks keeps them at the weights of "
                              f"init_from; {net} starts at random here (init_from {cfg.init_from!r}, init_part "
                              f"{cfg.init_part!r}). Set freeze_{part} to 0, or start {net} from a checkpoint "
                              f"(init_from, init_part {part} or both)")
    if cfg.schedule == "warmup" and cfg.warmup_steps > cfg.steps:
        raise ConfigError("warmup_steps", f"the warm-up ({cfg.warmup_steps} steps) is longer than the run "
                          f"({cfg.steps} steps), so the learning rate would never reach its value; make it at most "
                          f"{cfg.steps} steps")
    if cfg.schedule == "warmup-cosine" and cfg.warmup_steps >= cfg.steps:
        raise ConfigError("warmup_steps", f"the warm-up ({cfg.warmup_steps} steps) must be shorter than the run "
                          f"({cfg.steps} steps) to leave room for the cosine part")
    check_monitor(cfg)
    check_progressive(cfg)


def check_progressive(cfg: Any) -> None:
    """Progressive growing: an architecture that grows, no option that a growing D or a changing G cannot
    take, a start resolution the image size halves down to, and a growth that ends within the run."""
    if not cfg.progressive:
        return
    if cfg.arch not in GROWING:
        raise ConfigError("progressive", f"architecture {cfg.arch!r} cannot grow progressively; progressive growing "
                          f"is available for: {', '.join(GROWING.names())}. Turn progressive off or choose one of them")
    for field, on, what in (("conditioning", cfg.conditioning != "none", "class conditioning"),
                            ("pac", cfg.pac > 1, "PacGAN packing"),
                            ("num_d", cfg.num_d > 1, "several discriminators"),
                            ("compile", cfg.compile, "torch.compile (each new fade-in weight would recompile)")):
        if on:
            raise ConfigError(field, f"progressive growing does not combine with {what}; turn one of them off")
    spec = DATASETS.get(cfg.dataset)
    if spec.kind != "image":
        return  # refused as an image-only architecture
    size = cfg.resolution or spec.shape[-1]
    try:
        sizes = GROWING.get(cfg.arch).sizes(size)
    except ValueError as e:
        raise ConfigError("resolution", str(e)) from None
    if len(sizes) < 2:
        raise ConfigError("progressive", f"{size} px images leave no lower resolution to grow from")
    if cfg.grow_from and cfg.grow_from not in sizes[:-1]:
        raise ConfigError("grow_from", f"{cfg.grow_from} px does not halve down from {size} px; allowed: 0 (= "
                          f"{sizes[0]}), {', '.join(map(str, sizes[:-1]))}")
    start, final = sizes.index(cfg.grow_from or sizes[0]), len(sizes) - 1
    end = growth_end(start=start, final=final, every=cfg.grow_every)
    if end > cfg.steps:
        most = cfg.steps // (final - start + 0.5)
        raise ConfigError("grow_every", f"growing {' -> '.join(map(str, sizes[start:]))} px every {cfg.grow_every} "
                          f"steps ends at step {end}, after the run ({cfg.steps} steps); make grow_every at most "
                          f"{int(most)} or the run longer")


def check_monitor(cfg: Any) -> None:
    """The monitored score must be one this run logs: refused when a chosen one never is (a 2-D score on
    images, a score with scoring off), and when plateau decay or early stopping would wait for it in vain
    (monitor 'auto' with scoring off). 'auto' with nothing watching it only means no best checkpoint."""
    needs = [n for n, on in (("schedule 'plateau'", cfg.schedule == "plateau"),
                             (f"early_stop {cfg.early_stop}", cfg.early_stop > 0)) if on]
    if not needs and cfg.monitor == "auto":
        return
    kind = DATASETS.get(cfg.dataset).kind
    error = logged_error(cfg.monitor, kind, scoring=cfg.score_every > 0,
                         needed_by=" and ".join(needs) or "the best checkpoint",
                         modes_known=kind == "points" and cfg.dataset in MIXTURES)
    if error:
        raise ConfigError("monitor", error)


def check_training(cfg: Any) -> None:
    """The checks of the training options alone (validate_config runs them with the rest)."""
    check_options(cfg)
    check_combinations(cfg)
