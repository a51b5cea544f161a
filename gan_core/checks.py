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
from gan_core.messages import Msg
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
            raise ConfigError(f.name, Msg("expected {type}, got {value!r}", type=want.__name__, value=v))
    try:  # dataset name (KEY or KEY:PATH) and preprocessing options; files are checked when read
        check_data_options(cfg)
    except DataOptionError as e:
        raise ConfigError(e.field, e.args[0] if e.args and isinstance(e.args[0], str) else str(e)) from None
    n = dataset_size(cfg)  # at most the dataset's size (csv/folder/zip: None, checked when loaded)
    if n is not None and not 1 <= cfg.batch_size <= min(n, OPTIONS.get("batch_size").hi):
        raise ConfigError("batch_size", Msg("must be an integer from 1 to {most}, got {value!r}",
                                            most=min(n, int(OPTIONS.get("batch_size").hi)), value=cfg.batch_size))
    check_options(cfg)  # every field against its declaration: one of its choices, or a number in its range
    spec = DATASETS.get(cfg.dataset)
    if getattr(ARCHS.get(cfg.arch), "image_only", False) and spec.kind != "image":
        raise ConfigError("arch", Msg("{arch!r} needs an image dataset; {dataset!r} is 2-D points. Use 'mlp'.",
                                      arch=cfg.arch, dataset=cfg.dataset))
    if not cfg.data_dir.strip():
        raise ConfigError("data_dir", Msg("must be a directory path, got an empty string"))
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
                raise ConfigError(name, Msg("unknown value {value!r}; allowed: {allowed}", value=v,
                                            allowed=", ".join(map(str, allowed))))
        elif opt.lo is not None and not isinstance(v, bool) and not opt.allows(v):
            integer = type(getattr(TrainConfig, name)) is int
            if integer:
                raise ConfigError(name, Msg("must be an integer from {lo} to {hi}, got {value!r}", lo=int(opt.lo),
                                            hi=int(opt.hi), value=v))
            raise ConfigError(name, Msg("must be in {range}, got {value!r}", range=opt.range_text(False), value=v))


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
        raise ConfigError("depth", Msg("{arch!r} allows a depth from 0 to {most}, got {depth}", arch=cfg.arch,
                                       most=arch.max_depth, depth=cfg.depth))
    if cfg.g_norm != "auto" and cfg.g_norm not in arch.g_norms:
        allowed = ", ".join(("auto", *arch.g_norms))
        if arch.g_norms:
            raise ConfigError("g_norm", Msg("{arch!r} takes g_norm {allowed}; got {value!r}", arch=cfg.arch,
                                            allowed=allowed, value=cfg.g_norm))
        raise ConfigError("g_norm", Msg("{arch!r} takes g_norm {allowed} (it normalises with AdaIN); got {value!r}",
                                        arch=cfg.arch, allowed=allowed, value=cfg.g_norm))
    penalty = (Msg("the WGAN-GP gradient penalty") if loss.gradient_penalty
               else Msg("the R1 penalty") if cfg.r1_weight > 0 else "")
    if cfg.d_norm == "batch" and penalty:
        raise ConfigError("d_norm", Msg("batch norm in D mixes the samples of a batch, so {penalty} (a per-sample "
                                        "gradient) is not defined; choose d_norm auto, layer or none", penalty=penalty))
    # What a loss needs is read from its attributes (GANLoss), never from its name; the alternatives offered
    # are the registered losses without the conflicting attribute.
    plain = ", ".join(repr(n) for n in losses_where(weight_clipping=False, gradient_penalty=False))
    if loss.weight_clipping and cfg.r1_weight > 0:
        raise ConfigError("r1_weight", Msg("weight clipping (loss {loss!r}) already constrains D; an R1 penalty on "
                                           "top fights it. Set r1_weight to 0, or use R1 with a loss without clipping "
                                           "({plain})", loss=cfg.loss, plain=plain))
    if loss.gradient_penalty and cfg.r1_weight > 0:
        raise ConfigError("r1_weight", Msg("loss {loss!r} already penalises D's gradient norm (on interpolates); a "
                                           "second gradient penalty (R1 on real data) on top is redundant and hides "
                                           "which one acts. Set r1_weight to 0, or use R1 with {plain}",
                                           loss=cfg.loss, plain=plain))
    if loss.weight_clipping and cfg.spectral_norm:
        unclipped = ", ".join(repr(n) for n in losses_where(weight_clipping=False))
        raise ConfigError("spectral_norm", Msg("weight clipping (loss {loss!r}) and spectral norm are two ways of "
                                               "making D Lipschitz; use one: spectral_norm false, or a loss without "
                                               "clipping ({unclipped}) with spectral norm", loss=cfg.loss,
                                               unclipped=unclipped))
    bce = ", ".join(losses_where(bce=True))
    if cfg.label_smoothing > 0 and not loss.bce:
        raise ConfigError("label_smoothing", Msg("one-sided label smoothing changes the real label of a binary "
                                                 "cross-entropy loss ({bce}); loss {loss!r} has no labels. Set it to 0",
                                                 bce=bce, loss=cfg.loss))
    if cfg.label_flip > 0 and not loss.bce:
        raise ConfigError("label_flip", Msg("label noise flips the real/fake labels of a binary cross-entropy loss "
                                            "({bce}); loss {loss!r} has no labels. Set it to 0", bce=bce,
                                            loss=cfg.loss))
    if cfg.conditioning != "none":
        if cfg.pac > 1:
            raise ConfigError("pac", Msg("PacGAN packs samples of different classes into one D input, which a "
                                         "conditional D cannot label; set pac to 1 or conditioning to none"))
        if dataset_labelled(cfg) is False:
            raise ConfigError("conditioning", Msg("dataset {dataset!r} has no class labels, so a conditional model "
                                                  "cannot be trained on it; set conditioning to none or choose a "
                                                  "labelled dataset", dataset=cfg.dataset))
    if cfg.num_d > 1 and cfg.pac > 1:
        raise ConfigError("num_d", Msg("several discriminators (num_d {num_d}) and PacGAN packing (pac {pac}) are "
                                       "two remedies for mode collapse that this project does not combine; set num_d "
                                       "to 1 or pac to 1", num_d=cfg.num_d, pac=cfg.pac))
    if cfg.num_d > 1 and getattr(cfg, "freeze_d", 0) > 0:
        raise ConfigError("freeze_d", Msg("FreezeD freezes the first blocks of one D; with num_d {num_d} there are "
                                          "{num_d}. Set freeze_d to 0 or num_d to 1", num_d=cfg.num_d))
    if cfg.batch_size % cfg.pac:
        raise ConfigError("pac", Msg("the batch size ({batch_size}) must be a multiple of the pack size {pac}",
                                     batch_size=cfg.batch_size, pac=cfg.pac))
    g_norm, d_norm = resolve_norms(cfg.arch, cfg.g_norm, cfg.d_norm, loss.d_batchnorm and cfg.r1_weight == 0)
    if cfg.batch_size < 2 and g_norm == "batch" or cfg.batch_size // cfg.pac < 2 and d_norm == "batch":
        raise ConfigError("batch_size", Msg("batch norm needs at least 2 samples per batch (per D input with "
                                            "PacGAN); raise the batch size or choose no batch norm"))
    if cfg.diffaug != "none" and DATASETS.get(cfg.dataset).kind != "image":
        raise ConfigError("diffaug", Msg("DiffAugment transforms images; {dataset!r} is 2-D points. Set it to none "
                                         "(allowed for images: {allowed})", dataset=cfg.dataset,
                                         allowed=", ".join(DIFFAUG.names())))
    for net, k, part in (("G", cfg.freeze_g, "g"), ("D", cfg.freeze_d, "d")):  # transfer learning (init_from)
        if k and (not cfg.init_from.strip() or cfg.init_part not in ("both", part)):
            raise ConfigError(f"freeze_{part}", Msg(
                "freezing {net}'s first blocks keeps them at the weights of init_from; {net} starts at random here "
                "(init_from {init_from!r}, init_part {init_part!r}). Set freeze_{part} to 0, or start {net} from a "
                "checkpoint (init_from, init_part {part} or both)", net=net, init_from=cfg.init_from,
                init_part=cfg.init_part, part=part))
    if cfg.schedule == "warmup" and cfg.warmup_steps > cfg.steps:
        raise ConfigError("warmup_steps", Msg("the warm-up ({warmup} steps) is longer than the run ({steps} steps), "
                                              "so the learning rate would never reach its value; make it at most "
                                              "{steps} steps", warmup=cfg.warmup_steps, steps=cfg.steps))
    if cfg.schedule == "warmup-cosine" and cfg.warmup_steps >= cfg.steps:
        raise ConfigError("warmup_steps", Msg("the warm-up ({warmup} steps) must be shorter than the run ({steps} "
                                              "steps) to leave room for the cosine part", warmup=cfg.warmup_steps,
                                              steps=cfg.steps))
    check_monitor(cfg)
    check_progressive(cfg)


def check_progressive(cfg: Any) -> None:
    """Progressive growing: an architecture that grows, no option that a growing D or a changing G cannot
    take, a start resolution the image size halves down to, and a growth that ends within the run."""
    if not cfg.progressive:
        return
    if cfg.arch not in GROWING:
        raise ConfigError("progressive", Msg("architecture {arch!r} cannot grow progressively; progressive growing "
                                             "is available for: {allowed}. Turn progressive off or choose one of them",
                                             arch=cfg.arch, allowed=", ".join(GROWING.names())))
    for field, on, what in (("conditioning", cfg.conditioning != "none", Msg("class conditioning")),
                            ("pac", cfg.pac > 1, Msg("PacGAN packing")),
                            ("num_d", cfg.num_d > 1, Msg("several discriminators")),
                            ("compile", cfg.compile, Msg("torch.compile (each new fade-in weight would recompile)"))):
        if on:
            raise ConfigError(field, Msg("progressive growing does not combine with {what}; turn one of them off",
                                         what=what))
    spec = DATASETS.get(cfg.dataset)
    if spec.kind != "image":
        return  # refused as an image-only architecture
    size = cfg.resolution or spec.shape[-1]
    try:
        sizes = GROWING.get(cfg.arch).sizes(size)
    except ValueError as e:
        raise ConfigError("resolution", e.args[0] if e.args and isinstance(e.args[0], str) else str(e)) from None
    if len(sizes) < 2:
        raise ConfigError("progressive", Msg("{size} px images leave no lower resolution to grow from", size=size))
    if cfg.grow_from and cfg.grow_from not in sizes[:-1]:
        raise ConfigError("grow_from", Msg("{grow_from} px does not halve down from {size} px; allowed: 0 (= "
                                           "{smallest}), {allowed}", grow_from=cfg.grow_from, size=size,
                                           smallest=sizes[0], allowed=", ".join(map(str, sizes[:-1]))))
    start, final = sizes.index(cfg.grow_from or sizes[0]), len(sizes) - 1
    end = growth_end(start=start, final=final, every=cfg.grow_every)
    if end > cfg.steps:
        most = cfg.steps // (final - start + 0.5)
        raise ConfigError("grow_every", Msg("growing {sizes} px every {every} steps ends at step {end}, after the "
                                            "run ({steps} steps); make grow_every at most {most} or the run longer",
                                            sizes=" -> ".join(map(str, sizes[start:])), every=cfg.grow_every, end=end,
                                            steps=cfg.steps, most=int(most)))


def check_monitor(cfg: Any) -> None:
    """The monitored score must be one this run logs: refused when a chosen one never is (a 2-D score on
    images, a score with scoring off), and when plateau decay or early stopping would wait for it in vain
    (monitor 'auto' with scoring off). 'auto' with nothing watching it only means no best checkpoint."""
    needs = [n for n, on in ((Msg("schedule 'plateau'"), cfg.schedule == "plateau"),
                             (Msg("early_stop {n}", n=cfg.early_stop), cfg.early_stop > 0)) if on]
    if not needs and cfg.monitor == "auto":
        return
    kind = DATASETS.get(cfg.dataset).kind
    error = logged_error(cfg.monitor, kind, scoring=cfg.score_every > 0,
                         needed_by=Msg("{first} and {second}", first=needs[0], second=needs[1]) if len(needs) == 2
                         else needs[0] if needs else Msg("the best checkpoint"),
                         modes_known=kind == "points" and cfg.dataset in MIXTURES)
    if error:
        raise ConfigError("monitor", error)


def check_training(cfg: Any) -> None:
    """The checks of the training options alone (validate_config runs them with the rest)."""
    check_options(cfg)
    check_combinations(cfg)
