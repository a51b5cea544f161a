"""The training configuration: one typed dataclass, and every fact about each option declared once.

Each field is declared with `opt(default, label, ...)`: its default, the label and help text people
read (the form, `python -m gan_core train --help`, the README's option table), its allowed range or
choices, the form group it belongs to, and when it applies (`When`: which losses, architectures,
optimisers or schedules use it). Everything else is derived from these declarations:
`gan_core.checks.validate_config` checks ranges and choices from them, `gan_core.options` turns them
into CLI help and the README table, and the training form (`ui/option_widgets.py`) draws its widgets
from them.

Adding an option is one declaration plus its test:

    r2_weight: float = opt(0.0, "R2 penalty (gamma)", group="regularisation", lo=0.0, hi=1000.0, step=0.1,
                           help="R2: L_D += gamma/2 E[||grad D(G(z))||^2] on generated samples. 0 = off.")

then read `cfg.r2_weight` where it acts, and test that it does; the form (the groups it draws whole:
model, regularisation, optimisation, schedule, size), the CLI, validation and the README table
(`python -m gan_core options --markdown`) pick it up. Choices that are a registry
(`choices="loss"`) are named, not imported: this module imports no component, so the components
(models, losses, optimisers, ...) can use it without an import cycle. Refusals that need the
registries or compare fields (a conv net on 2-D points, a warm-up longer than the run) live in
`gan_core/checks.py`.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field, fields
from typing import Any

from gan_core.errors import ConfigError
from gan_core.messages import Msg
from gan_core.registry import Registry

__all__ = ["DEVICES", "GROUPS", "MONITORED", "OPTIONS", "PRESETS", "ConfigError", "Option", "Preset", "TrainConfig",
           "When", "choices_of", "preset"]  # ConfigError is handed on from gan_core.errors

DEVICES = ("auto", "cpu", "cuda")  # where training runs: auto = cuda when available, else cpu
# What `monitor` may watch (plateau decay, early stopping, the best checkpoint), and which way is better:
# the score columns of gan_core.metrics.monitor (images: classifier-feature scores; 2-D points: mode
# coverage and histogram distances) and the two losses. gan_core.monitored says which ones a config logs.
MONITORED = {"fd_clf": "min", "kid_clf": "min", "precision": "max", "recall": "max", "modes_covered": "max",
             "hq_pct": "max", "kl": "min", "js": "min", "fd": "min", "g_loss": "min", "d_loss": "min"}

# Groups of options, in the order of the form and of the README table: (key, title).
GROUPS = (
    ("data", "Data"),
    ("model", "Model"),
    ("regularisation", "Loss & regularisation"),
    ("optimisation", "Optimisation"),
    ("schedule", "Learning-rate schedule"),
    ("size", "Size of the nets and of the run"),
    ("run", "Run and logging"),
    ("transfer", "Transfer learning"),
)


@dataclass(frozen=True)
class When:
    """When an option matters. The form hides it otherwise (keeping its value); the README says it."""

    loss: str = ""  # a flag of the chosen loss (gan_core.losses.GANLoss) that must be set: bce, gradient_penalty, ...
    archs: tuple[str, ...] = ()  # the architectures it applies to
    read_by: str = ""  # "optimiser" | "schedule": G's or D's optimiser, or the schedule, lists the field in its params
    nonzero: str = ""  # another field that must be non-zero (the option refines that one)
    above_one: str = ""  # another field that must be above 1 (the option tunes several of something)


@dataclass(frozen=True)
class Option:
    """Everything known about one TrainConfig field besides its name, type and default."""

    label: str  # the form's label; the CLI help starts with it
    help: str  # what it does, the formula, when to use it
    group: str  # one of the GROUPS keys
    lo: float | None = None  # numbers: the smallest allowed value...
    hi: float | None = None  # ...and the largest
    lo_open: bool = False  # lo itself is not allowed (a learning rate must be > 0)
    hi_open: bool = False  # hi itself is not allowed (Adam's betas must be < 1)
    step: float | None = None  # numbers: the form's +/- step
    fmt: str | None = None  # numbers: the form's printf format ("%.4f")
    unit: str = ""  # shown after the range ("steps", "x base LR")
    choices: tuple | str | None = None  # the allowed values, or the name of the registry that holds them
    when: When | None = None  # None: always applies

    def allows(self, v: Any) -> bool:
        """Whether number `v` is finite and lies in [lo, hi] (with the open ends excluded)."""
        if not math.isfinite(v):
            return False
        if self.lo is not None and (v < self.lo or self.lo_open and v == self.lo):
            return False
        return self.hi is None or not (v > self.hi or self.hi_open and v == self.hi)

    def range_text(self, integer: bool) -> str:
        """'an integer from 1 to 1024', '(0, 1]', '[0, 0.5]'."""
        if integer:
            return f"an integer from {int(self.lo)} to {int(self.hi)}"
        return f"{'(' if self.lo_open else '['}{self.lo:g}, {self.hi:g}{')' if self.hi_open else ']'}"


def opt(default: Any, label: str, *, group: str, help: str, **kw: Any) -> Any:
    """A TrainConfig field with its option metadata: the one place an option is declared."""
    if group not in dict(GROUPS):
        raise ValueError(f"option {label!r}: unknown group {group!r}; allowed: {', '.join(dict(GROUPS))}")
    return field(default=default, metadata={"option": Option(label=label, help=help.strip(), group=group, **kw)})


@dataclass
class TrainConfig:
    # --- data
    dataset: str = opt("ring8", "Dataset", group="data", choices="dataset", help=(
        "The training data: a registered name (2-D toy mixtures such as ring8 and grid25, digits, mnist, "
        "fashion-mnist, cifar10) or your own data as csv:PATH, folder:PATH or zip:PATH, where PATH lies inside "
        "the data root ($GAN_DATA_ROOT, default data/) and relative paths are read from there."
    ))
    data_dir: str = opt("data", "Data directory", group="data", help=(
        "Looked in first for the MNIST-family and CIFAR-10 files (downloads go there too); $GAN_DATA_DIR overrides "
        "the default. Must not be empty."
    ))
    resolution: int = opt(0, "Resolution", group="data", choices=(0, 28, 32, 64), help=(
        "Images: square size of the training images. 0 = the source's native size (your own images: 64x64). Bigger "
        "is slower and needs more memory."
    ))
    channels: int = opt(0, "Colour", group="data", choices=(0, 1, 3), help=(
        "Images: 0 = the source's own (your own images: RGB), 1 = grayscale (the luma 0.299 R + 0.587 G + 0.114 B), "
        "3 = RGB (a gray channel repeated three times)."
    ))
    fit: str = opt("crop", "Non-square images", group="data", choices=("crop", "pad"), help=(
        "Images that are not square: crop scales the shorter side to the resolution and cuts the centre; pad scales "
        "the longer side and fills the rest with black. Square images are simply resized."
    ))
    hflip: bool = opt(False, "Horizontal flip", group="data", help=(
        "Images: adds a mirror image of every image: twice the data, and twice the memory."
    ))
    # --- model
    arch: str = opt("mlp", "Architecture", group="model", choices="arch", help=(
        "The family of G and D: the fully connected MLP of the first GANs, DCGAN's (transposed) convolutions, the "
        "residual nets of SNGAN, StyleGAN-lite, or the small MLP of the 2-D lab. The convolutional nets need an image "
        "dataset."
    ))
    latent_dim: int = opt(100, "Latent size", group="size", lo=1, hi=1024, step=1, help=(
        "Dimension d of the noise z that G maps to a sample. 100 is the DCGAN paper's; 2-D toy data needs only 2 "
        "(and then the 2-D lab can draw G's whole manifold). Too small a latent cannot cover every mode of the "
        "data; much larger ones only cost a little compute. StyleGAN-lite: also the size of w."
    ))
    noise: str = opt("gaussian", "Noise distribution", group="model", choices="noise", help=(
        "The distribution of G's input z: Gaussian N(0, I) or uniform on [-1, 1]^d. G learns to map this fixed "
        "distribution onto the data's; with a 1-D or 2-D latent the 2-D lab draws the image of a grid of noise "
        "space (G's manifold)."
    ))
    width: int = opt(128, "Model width", group="size", lo=4, hi=2048, step=16, help=(
        "How wide both nets are. MLP: units of the first hidden layer of G (w, 2w, 4w), D mirrored; small MLP: "
        "units of every hidden layer; DCGAN, ResNet, StyleGAN-lite: the base number of channels (the layers "
        "nearest the image; they double towards the lowest resolution). Cost grows with width^2; keep G and D "
        "alike, as a much stronger D starves G of gradient."
    ))
    depth: int = opt(0, "Depth (extra layers)", group="model", lo=0, hi=8, step=1, help=(
        "Extra layers beyond the classic design of the architecture: MLP: hidden layers at the widest width (in G"
        " and D); DCGAN: 3x3 convolutions after each resolution; ResNet: residual blocks at the lowest "
        "resolution; StyleGAN-lite: style-modulated convolutions per resolution (at most 4 for the convolutional "
        "nets, 8 for the MLP). 0 = the paper's network. Small MLP (2-D lab): the number of hidden layers, 0 to 5."
        " Deeper nets are stronger and slower; a D much stronger than G makes G's gradients vanish."
    ))
    g_norm: str = opt("auto", "Normalisation in G", group="model", choices="norm", help=(
        "The generator's normalisation layers. 'auto' keeps the architecture's own; switching DCGAN's batch norm "
        "off is the ablation the DCGAN paper discusses (training often collapses)."
    ))
    d_norm: str = opt("auto", "Normalisation in D", group="model", choices="norm", help=(
        "The discriminator's normalisation layers. 'auto' keeps the architecture's own and never puts batch norm "
        "in D with a gradient penalty (WGAN-GP, R1)."
    ))
    conditioning: str = opt("none", "Class conditioning", group="model", choices="conditioning", help=(
        "Feed the class label to G and D so that you can ask G for a given class. Needs a dataset with labels "
        "(digits, MNIST-family, CIFAR-10, folders of class sub-folders, labelled toy mixtures)."
    ))
    num_d: int = opt(1, "Discriminators K", group="model", lo=1, hi=8, step=1, help=(
        "K discriminators of the same architecture, each with its own initialisation, trained on the same "
        "batches (GMAN, Durugkar et al. 2016): D minimises the mean of the K losses (each critic its own), G "
        "the softmax-weighted mean sum_k softmax(lambda L)_k L_k of its K losses (lambda = 0: the mean; large: "
        "the critic it fools least). A remedy for mode collapse and instability; each step costs about K times "
        "D's compute. 1 = one D (the usual GAN). Not with PacGAN packing or FreezeD."
    ))
    gman_lambda: float = opt(0.0, "GMAN softness lambda", group="model", lo=0.0, hi=100.0, step=0.5, fmt="%.2f",
                             when=When(above_one="num_d"), help=(
        "Several discriminators: lambda of G's objective sum_k softmax(lambda L)_k L_k. 0 = the mean of the K "
        "losses (GMAN-0), 1 = a softened max, large = the max (the hardest critic)."
    ))
    style_mixing: float = opt(0.9, "Style-mixing probability", group="model", lo=0.0, hi=1.0, step=0.1, fmt="%.2f",
                              when=When(archs=("stylegan-lite",)), help=(
        "StyleGAN-lite: share of the generated samples that take their coarse styles from one z and their fine "
        "styles from another, at a random layer (Karras et al. 2019 use 0.9). Keeps the styles of different "
        "resolutions independent, which is what makes style mixing work at sampling time. 0 turns it off."
    ))
    progressive: bool = opt(False, "Progressive growing", group="model", when=When(archs=("dcgan", "stylegan-lite")),
                            help=(
        "Grow G and D from a low resolution to the full one, fading each new resolution in (Karras et al. 2018, "
        "PGGAN): e.g. 7 -> 14 -> 28 px for 28 px images. Coarse shapes are learnt first and fast, details later. "
        "Real images are average-pooled to the current resolution; the sample grid shows the low resolutions "
        "upscaled. DCGAN and StyleGAN-lite; not with class conditioning, PacGAN, several discriminators or "
        "torch.compile."
    ))
    grow_every: int = opt(2000, "Grow every N steps", group="model", lo=2, hi=10_000_000, step=100, unit="steps",
                          when=When(nonzero="progressive"), help=(
        "Progressive growing: steps at each resolution. A new resolution is faded in over the first half of its "
        "phase (alpha from 0 to 1: x = alpha new + (1 - alpha) upsampled old) and trained alone in the second; "
        "the last resolution stays to the end. The growth must finish within steps."
    ))
    grow_from: int = opt(0, "Start resolution", group="model", lo=0, hi=1024, step=1, unit="px",
                         when=When(nonzero="progressive"), help=(
        "Progressive growing: the resolution to start at; it must halve down from the image size (28 px: 7 or "
        "14; 32 px: 4, 8 or 16). 0 = the smallest the architecture has (7 for 28 px, 4 for 32 and 64 px)."
    ))
    # --- objective
    loss: str = opt("ns", "Loss", group="regularisation", choices="loss", help=(
        "The objective of the game, L_D for the discriminator and L_G for the generator: binary cross-entropy "
        "(non-saturating or minimax), least squares, Wasserstein (weight clipping or gradient penalty) or hinge."
    ))
    gp_weight: float = opt(10.0, "Gradient penalty weight (lambda)", group="regularisation", lo=0.0, lo_open=True,
                           hi=1000.0, step=1.0, fmt="%.2f", when=When(loss="gradient_penalty"), help=(
        "WGAN-GP: L_D += lambda E[(||grad D(x_hat)||_2 - 1)^2] on random interpolates x_hat between real and "
        "generated samples (Gulrajani et al. 2017). 10 is the paper's value; less lets the critic become "
        "non-Lipschitz, more slows it down."
    ))
    clip_value: float = opt(0.01, "Weight clipping c", group="regularisation", lo=0.0001, hi=10.0, step=0.005,
                            fmt="%.4f", when=When(loss="weight_clipping"), help=(
        "WGAN: after every D update each weight w <- clamp(w, -c, c) (Arjovsky et al. 2017), a crude way to keep "
        "the critic Lipschitz. 0.01 as in the paper; too small and D cannot learn, too large and it is not a "
        "Wasserstein critic. WGAN-GP replaced it."
    ))
    r1_weight: float = opt(0.0, "R1 penalty (gamma)", group="regularisation", lo=0.0, hi=1000.0, step=0.1, fmt="%.3f",
                           help=(
        "R1: L_D += gamma/2 E_x[||grad_x D(x)||^2] on real samples (Mescheder et al. 2018). Flattens D where the "
        "data is so the game converges instead of circling; StyleGAN's regulariser. Try 0.1-10 (larger for larger"
        " images). 0 = off. Not with weight clipping."
    ))
    r1_every: int = opt(1, "R1 every N steps (lazy R1)", group="regularisation", lo=1, hi=1000, step=1, unit="steps",
                        when=When(nonzero="r1_weight"), help=(
        "Lazy regularisation (Karras et al. 2020, StyleGAN2): compute R1 only in the steps that are a multiple of N, "
        "with N times the weight (L_D += N gamma/2 R1), so D gets the same penalty on average for 1/N of its cost (a "
        "second backward pass through D). StyleGAN2/3 use 16. 1 = every step."
    ))
    label_smoothing: float = opt(0.0, "One-sided label smoothing", group="regularisation", lo=0.0, hi=0.5, step=0.05,
                                 fmt="%.2f", when=When(loss="bce"), help=(
        "BCE losses only: D's target for real samples becomes 1 - s instead of 1 (fakes keep 0): L_D = -E[(1-s) "
        "log D(x) + s log(1 - D(x))] - E[log(1 - D(G(z)))] (Salimans et al. 2016). Stops D from becoming "
        "over-confident; one-sided because smoothing the fake label would reward G's mistakes. Try 0.1. 0 = off."
    ))
    label_flip: float = opt(0.0, "Label noise (flip rate)", group="regularisation", lo=0.0, hi=0.5, step=0.01,
                            fmt="%.2f", when=When(loss="bce"), help=(
        "BCE losses only: in each D update every real sample is labelled fake, and every fake real, with "
        "probability p: the targets become y ~ Bernoulli, L_D = -E[y log D(x) + (1-y) log(1 - D(x))] over both "
        "batches. The noisy labels keep D from becoming certain, so G's gradients do not vanish (a classic trick "
        "of the GAN tutorials). 0.05 is usual; above 0.2 D learns little. 0 = off."
    ))
    spectral_norm: bool = opt(False, "Spectral norm in D", group="regularisation", help=(
        "W <- W / sigma_max(W) for every layer of D (Miyato et al. 2018), sigma_max estimated by power iteration:"
        " D becomes 1-Lipschitz at little cost. The SNGAN recipe with the hinge loss; also helps the "
        "non-saturating loss. Redundant with (and refused together with) weight clipping."
    ))
    instance_noise: float = opt(0.0, "Instance noise sigma", group="regularisation", lo=0.0, hi=10.0, step=0.05,
                                fmt="%.3f", help=(
        "Add N(0, sigma_t^2) to every input of D, real and generated: x <- x + sigma_t eps. The two distributions"
        " then overlap and D cannot be perfect, so G keeps useful gradients early on. sigma_t = sigma (1 - t/T) "
        "decays to 0 over T steps. 0 = off; try 0.1-0.5 for images in [-1, 1]."
    ))
    instance_noise_steps: int = opt(0, "Instance noise annealed over (steps)", group="regularisation", lo=0,
                                    hi=10_000_000, step=100, unit="steps", when=When(nonzero="instance_noise"), help=(
        "T of the instance-noise schedule sigma_t = sigma max(0, 1 - t/T). 0 = over the whole run."
    ))
    grad_clip: float = opt(0.0, "Gradient-norm clipping", group="regularisation", lo=0.0, hi=1e6, step=1.0, fmt="%.2f",
                           help=(
        "Rescale the gradients of G and of D so that each net's global norm is at most this: g <- g * min(1, c / "
        "||g||). A guard against the occasional exploding step; 0 = off. The gradient-norm chart shows the norm "
        "before clipping."
    ))
    pac: int = opt(1, "PacGAN packing (samples per D input)", group="regularisation", lo=1, hi=8, step=1, help=(
        "D scores m samples at once, stacked along the channels (Lin et al. 2018, PacGAN): a collapsed G produces"
        " packs of look-alikes, which D then spots, so mode collapse is penalised. 2-4 are usual; 1 = off. The "
        "batch size must be a multiple of m; not with class conditioning."
    ))
    diffaug: str = opt("none", "DiffAugment", group="regularisation", choices="diffaug", help=(
        "Differentiable augmentation of every image D sees, real and generated, in both players' steps (Zhao et "
        "al. 2020): D cannot memorise a small dataset, and G is trained through the same transformations, so they"
        " do not leak into its samples. Use with small datasets; images only."
    ))
    ema_decay: float = opt(0.0, "EMA of G (decay)", group="regularisation", lo=0.0, hi=0.9999, step=0.001, fmt="%.4f",
                           help=(
        "Sample from an exponential moving average of G's weights: theta_ema <- beta theta_ema + (1 - beta) theta"
        " after every G step (Karras et al. 2018). Averages out the oscillation of the game, so samples are "
        "smoother and more stable; the sample grid, checkpoints and sampling then use the averaged G. 0.999 is "
        "usual (0.99 for short runs); 0 = off."
    ))
    # --- optimisation
    lr_g: float = opt(2e-4, "LR of G", group="optimisation", lo=0.0, lo_open=True, hi=1.0, step=0.0001, fmt="%.6f",
                      help="Generator learning rate (2e-4 for DCGAN-like nets with Adam).")
    lr_d: float = opt(2e-4, "LR of D", group="optimisation", lo=0.0, lo_open=True, hi=1.0, step=0.0001, fmt="%.6f",
                      help=(
        "Discriminator learning rate. A different value from G's is the two time-scale update rule (Heusel et al."
        " 2017), e.g. lr_D = 4e-4 with lr_G = 1e-4 instead of several D steps."
    ))
    opt_g: str = opt("adam", "Optimiser of G", group="optimisation", choices="optimiser", help=(
        "The generator's optimiser; it may differ from D's."
    ))
    opt_d: str = opt("adam", "Optimiser of D", group="optimisation", choices="optimiser", help=(
        "The discriminator's optimiser; it may differ from G's."
    ))
    beta1: float = opt(0.5, "Adam beta1", group="optimisation", lo=0.0, hi=1.0, hi_open=True, step=0.05, fmt="%.3f",
                       when=When(read_by="optimiser"), help=(
        "Decay of Adam's first moment (momentum); 0.5 (DCGAN) or 0 (WGAN-GP, SNGAN) damps the game's oscillation."
    ))
    beta2: float = opt(0.999, "Adam beta2", group="optimisation", lo=0.0, hi=1.0, hi_open=True, step=0.001, fmt="%.4f",
                       when=When(read_by="optimiser"), help=(
        "Decay of Adam's second moment; 0.999 by default, 0.9 for WGAN-GP."
    ))
    momentum: float = opt(0.9, "SGD momentum", group="optimisation", lo=0.0, hi=0.999, step=0.05, fmt="%.3f",
                          when=When(read_by="optimiser"), help="mu of SGD with momentum: v <- mu v + g. 0 = plain SGD.")
    schedule: str = opt("constant", "LR schedule", group="schedule", choices="schedule", help=(
        "How the learning rates of G and D change over the run (one schedule for both, stepped once per generator "
        "step). Each schedule shows only the parameters it reads."
    ))
    lr_step_every: int = opt(1000, "Decay every N steps", group="schedule", lo=1, hi=10_000_000, step=100, unit="steps",
                             when=When(read_by="schedule"), help=(
        "N of step and exponential decay: the LR is multiplied by gamma every N steps."
    ))
    lr_gamma: float = opt(0.5, "Decay factor gamma", group="schedule", lo=0.0, lo_open=True, hi=1.0, step=0.05,
                          fmt="%.3f", when=When(read_by="schedule"), help=(
        "gamma of step and exponential decay: the LR factor per N steps."
    ))
    warmup_steps: int = opt(500, "Warm-up steps W", group="schedule", lo=1, hi=10_000_000, step=100, unit="steps",
                            when=When(read_by="schedule"), help="Length of the linear warm-up, in generator steps.")
    warmup_start: float = opt(0.01, "Warm-up start factor f0", group="schedule", lo=0.0001, hi=1.0, step=0.01,
                              fmt="%.4f", unit="x base LR", when=When(read_by="schedule"), help=(
        "The warm-up starts at f0 x lr (torch LinearLR start_factor)."
    ))
    lr_cycle_steps: int = opt(2000, "Cycle length P", group="schedule", lo=2, hi=10_000_000, step=100, unit="steps",
                              when=When(read_by="schedule"), help=(
        "Steps of one up-and-down cycle of the cyclical schedule."
    ))
    lr_min_factor: float = opt(0.0, "Minimum LR factor m", group="schedule", lo=0.0, hi=1.0, step=0.05, fmt="%.3f",
                               unit="x base LR", when=When(read_by="schedule"), help=(
        "Lowest LR of cosine, cyclical and plateau schedules, as a fraction of the base LR (0 = down to zero)."
    ))
    plateau_patience: int = opt(3, "Plateau patience P", group="schedule", lo=0, hi=10_000, step=1,
                                unit="observations", when=When(read_by="schedule"), help=(
        "Plateau decay: the LR drops once the monitored score has gone more than P observations without improving "
        "(torch ReduceLROnPlateau's patience). An observation is a scoring (every score_every steps) for a score, "
        "a logged window (every log_every steps) for a loss."
    ))
    plateau_factor: float = opt(0.5, "Plateau decay factor", group="schedule", lo=0.0, lo_open=True, hi=1.0,
                                hi_open=True, step=0.05, fmt="%.3f", when=When(read_by="schedule"), help=(
        "Plateau decay: lr <- max(factor x lr, m x base lr) at each plateau (torch ReduceLROnPlateau's factor)."
    ))
    plateau_threshold: float = opt(0.01, "Plateau threshold", group="schedule", lo=0.0, hi=1.0, step=0.005,
                                   fmt="%.3f", when=When(read_by="schedule"), help=(
        "Plateau decay: a score counts as an improvement only when it beats the best so far by this fraction of "
        "it (relative threshold: FD < best - t |best|, or > best + t |best| for scores where higher is better; of "
        "|best|, so that it also holds for a negative loss), so noise alone does not reset the patience."
    ))
    plateau_cooldown: int = opt(0, "Plateau cooldown", group="schedule", lo=0, hi=10_000, step=1,
                                unit="observations", when=When(read_by="schedule"), help=(
        "Plateau decay: observations to wait after a decay before counting non-improvements again."
    ))
    batch_size: int = opt(64, "Batch size", group="size", lo=1, hi=4096, step=16, help=(
        "Samples per step, for D (real and generated) and for G. Larger batches give smoother gradients and use a"
        " GPU better but make fewer updates per epoch; 64 is the DCGAN default. At most the dataset's size; a "
        "multiple of the PacGAN pack size; 2 or more with batch norm."
    ))
    steps: int = opt(2000, "Steps", group="size", lo=1, hi=10_000_000, step=500, unit="steps", help=(
        "Generator updates to train for (each after d_steps D updates). Cosine and warm-up-then-cosine schedules "
        "end at this step; a stopped run can continue from its checkpoint to more steps."
    ))
    time_limit: float = opt(0.0, "Time limit (seconds)", group="size", lo=0.0, hi=7 * 86400.0, step=60.0, fmt="%.0f",
                            unit="s", help=(
        "Train for at most this many seconds (pauses not counted), then finish with the final sample grid, "
        "checkpoint and scores, whichever of steps and seconds comes first. Plan a lesson in minutes: 60 for a "
        "quick look, 300 for good samples. 0 = no limit (train all the steps)."
    ))
    d_steps: int = opt(1, "D steps per G step", group="optimisation", lo=1, hi=100, step=1, help=(
        "Train D this many times per G update: a critic should be near-optimal before G follows its gradient (5 "
        "with WGAN and WGAN-GP, 1 with BCE losses)."
    ))
    # --- run
    seed: int = opt(0, "Seed", group="run", lo=0, hi=2**31 - 1, step=1, help=(
        "Seeds the weights' initialisation, the batches, the noise and the fixed sample grid: the same seed and "
        "settings give the same run."
    ))
    device: str = opt("auto", "Device", group="run", choices=DEVICES, help=(
        "auto: the GPU when there is one, else the CPU."
    ))
    log_every: int = opt(10, "Log metrics every N steps", group="run", lo=1, hi=100_000, step=1, unit="steps", help=(
        "Steps between metric transfers from the device to the host: one row of the charts and of metrics.jsonl."
    ))
    sample_every: int = opt(100, "Sample grid every N steps", group="run", lo=1, hi=10_000_000, step=1, unit="steps",
                            help="Steps between the fixed-noise sample grids.")
    n_fixed: int = opt(64, "Fixed-noise samples shown", group="run", lo=1, hi=2048, step=1, help=(
        "Size of the fixed noise batch behind the sample grid: the same z in every grid of a run."
    ))
    checkpoint_every_s: float = opt(30.0, "Checkpoint every N seconds", group="run", lo=0.0, lo_open=True, hi=86400.0,
                                    step=1.0, fmt="%.1f", unit="s", help=(
        "Wall-clock seconds between checkpoint refreshes (weights, optimiser and RNG state), so a stopped or "
        "crashed run can continue from there."
    ))
    score_every: int = opt(250, "Score every N steps", group="run", lo=0, hi=10_000_000, step=50, unit="steps", help=(
        "Every this many steps the training thread scores 1,000 generated images (2,500 points for 2-D data) "
        "against the real data and checks for mode collapse. Images: Frechet distance, KID and precision/recall on "
        "the features of a small classifier trained on the dataset (FID-style, but not Inception's FID: compare "
        "the numbers only between runs on the same dataset), the class histogram and the classes covered. 2-D: "
        "modes covered and high-quality % (PacGAN), KL/JS of grid histograms. 0 turns scoring off. The default "
        "keeps the cost under 10% of training time (bench/metrics_cost.py measures it)."
    ))
    monitor: str = opt("auto", "Monitored score", group="run", choices=("auto", *MONITORED), help=(
        "The one number that plateau decay (schedule plateau), early stopping and the best checkpoint watch. "
        "auto = fd_clf (the classifier-feature Frechet distance) for images, kl (KL of grid histograms) for 2-D "
        "points. Scores (fd_clf, kid_clf, precision, recall; 2-D: modes_covered, hq_pct, kl, js, fd) are "
        "computed every score_every steps, so they need scoring on; the losses (d_loss, g_loss) are logged every "
        "log_every steps. Whenever it is logged, checkpoints/best.safetensors keeps the model with its best value "
        "so far (same format as last.safetensors), with or without early stopping."
    ))
    early_stop: int = opt(0, "Early stopping after N", group="run", lo=0, hi=100_000, step=1, unit="observations",
                          help=(
        "Finish the run when the monitored score has not improved for N observations in a row (scorings for a "
        "score, logged windows for a loss); the best model is in checkpoints/best.safetensors. 0 = off."
    ))
    tensorboard: bool = opt(False, "Also write TensorBoard logs", group="run", help=(
        "Scalars and sample grids in TensorBoard format under <run>/tensorboard; view them with "
        "`tensorboard --logdir runs` (needs: pip install tensorboard)."
    ))
    # --- speed (gan_core.accel): how the nets compute, never what
    precision: str = opt("auto", "Numeric precision", group="size", choices=("auto", "fp32", "bf16", "fp16"), help=(
        "Number format of the forward and backward passes. auto = bf16 on a GPU that has it (fp16 with loss "
        "scaling on older GPUs) and for DCGANs on a CPU with AMX-BF16 units, fp32 elsewhere. bf16/fp16 autocast "
        "computes convolutions and matrix products in 16 bits while weights, optimiser state, losses and gradient"
        " norms stay fp32: up to 2x faster (measured in the README, 'Engine speed') at equal quality. fp32 = "
        "exact and slower; choose it to rule precision out when a run misbehaves."
    ))
    channels_last: str = opt("auto", "Channels-last layout", group="size", choices=("auto", "on", "off"), help=(
        "Store images as (B, H, W, C) instead of (B, C, H, W) in conv nets: the layout GPU tensor cores and "
        "cuDNN's fastest kernels read. auto = on for conv nets on CUDA, and on a CPU when the precision is bf16 "
        "(measured faster there with bf16 only). Changes speed only, never results beyond rounding."
    ))
    compile: bool = opt(False, "torch.compile", group="size", help=(
        "Compile G and D with torch.compile (fused kernels, less Python overhead). The first step then takes from"
        " seconds to a minute (shown as the 'compiling' phase); when compilation fails the run goes on uncompiled"
        " and its status says why. Gradient penalties (WGAN-GP, R1) always use the uncompiled D (compiled code "
        "cannot differentiate twice). On this project's 2-core CPU compiling took 7-9 minutes and paid off only "
        "with bf16 (README, 'Engine speed'): for long runs, and GPUs."
    ))

    # --- transfer learning (gan_core.init_from)
    init_from: str = opt("", "Start from checkpoint", group="transfer", help=(
        "Transfer learning: G and/or D start from the weights of a checkpoint instead of a random initialisation: a "
        "shipped model (pretrained/NAME.safetensors, or NAME), a run directory (runs/ID: its last checkpoint) or a "
        "checkpoint file (on the Train page also an uploaded .safetensors). Only the weights are taken (optimisers, "
        "schedule and step start afresh), so data, loss and learning rates may differ; the nets must have layers "
        "of the same shapes (architecture, latent size, width, depth, normalisation, conditioning, image size). "
        "Empty = random initialisation."
    ))
    init_part: str = opt("both", "Nets that start from it", group="transfer", choices=("both", "g", "d"),
                         when=When(nonzero="init_from"), help=(
        "Which nets take the checkpoint's weights (the other starts at random): both, g or d. Shipped models hold "
        "only G (use g). From a run with EMA of G, G starts from the trained G and the new EMA from a copy of it."
    ))
    freeze_g: int = opt(0, "Freeze G's first K blocks", group="transfer", lo=0, hi=64, step=1,
                        when=When(nonzero="init_from"), help=(
        "Keep the first K blocks of G, from the latent side, at the checkpoint's weights (no gradient, not in the "
        "optimiser). A block is a layer with weights and its normalisation, or a residual block / style layer. "
        "0 = train all; at least the last block must train."
    ))
    freeze_d: int = opt(0, "Freeze D's first K blocks (FreezeD)", group="transfer", lo=0, hi=64, step=1,
                        when=When(nonzero="init_from"), help=(
        "FreezeD (Mo et al. 2020): keep the first K blocks of D, from the image side, at the checkpoint's weights "
        "and fine-tune the rest; the generic low-level features D learnt on the large dataset are kept, which helps"
        " on small target datasets. 0 = train all; at least the last block must train."
    ))

    # ------------------------------------------------------------------ helpers
    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrainConfig:
        """Build from a dict (e.g. config.json); unknown keys and wrong types are refused. The values
        themselves are checked by `gan_core.checks.validate_config` (or use `checks.config_from_dict`)."""
        if not isinstance(d, dict):
            raise ConfigError("config", Msg("expected a JSON object, got {type}", type=type(d).__name__))
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(d) - set(known))
        if unknown:
            raise ConfigError(unknown[0], Msg("unknown field; allowed: {allowed}", allowed=", ".join(known)))
        kwargs: dict[str, Any] = {}
        defaults = cls()
        for name, value in d.items():
            want = type(getattr(defaults, name))
            if want is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            if not isinstance(value, want) or isinstance(value, bool) and want is not bool:
                raise ConfigError(name, Msg("expected {type}, got {value!r}", type=want.__name__, value=value))
            kwargs[name] = value
        return cls(**kwargs)

    def replace(self, **changes: Any) -> TrainConfig:
        return dataclasses.replace(self, **changes)


OPTIONS: Registry[Option] = Registry("option")  # every field's Option, in the order of the dataclass
for _f in fields(TrainConfig):
    OPTIONS.register(_f.name, label=_f.metadata["option"].label, help=_f.metadata["option"].help)(
        _f.metadata["option"])


def choices_of(name: str) -> tuple:
    """The allowed values of a field whose choices are declared here (not a registry's)."""
    choices = OPTIONS.get(name).choices
    if not isinstance(choices, tuple):
        raise TypeError(f"{name}: its choices are the registry {choices!r}, read through gan_core.options")
    return choices


@dataclass(frozen=True)
class Preset:
    label: str  # shown in the UI
    fields: dict[str, Any]  # TrainConfig fields that differ from the defaults


PRESETS: dict[str, Preset] = {
    # Known-good starting points; a preset fills the form and every field stays editable.
    "ring8-mlp": Preset("Ring of 8 Gaussians, MLP (fast on a CPU)", dict(
        dataset="ring8", arch="mlp", loss="ns", latent_dim=2, width=128, lr_g=1e-3, lr_d=1e-3,
        batch_size=256, steps=3000, sample_every=50, n_fixed=512)),
    "digits-dcgan": Preset("Digits 8x8, DCGAN (about a minute on a CPU)", dict(
        dataset="digits", arch="dcgan", loss="ns", latent_dim=64, width=32, batch_size=64, steps=1500)),
    # Fast presets for a class on a laptop CPU (bench/time_to_quality.py; the search is in the README):
    # width 32 and LR 1e-3 for both players (2e-4 -> 5e-4 -> 1e-3 each lowered FD_clf at 60 and 120 s
    # of one core), EMA of G (the grid shows the averaged G), a 5-minute limit; sample grid every 50 steps.
    "fmnist-cfast": Preset("Fashion-MNIST, fast conditional DCGAN: a row per class in 1 min, sharp in 5 "
                           "(5-min limit)", dict(
        dataset="fashion-mnist", arch="dcgan", loss="ns", conditioning="projection", latent_dim=100, width=32,
        lr_g=1e-3, lr_d=1e-3, ema_decay=0.999, batch_size=64, steps=100_000, time_limit=300.0, sample_every=50,
        n_fixed=100)),
    "fmnist-fast": Preset("Fashion-MNIST, fast DCGAN: shapes in 1 min, garments in 5 (5-min limit)", dict(
        dataset="fashion-mnist", arch="dcgan", loss="ns", latent_dim=100, width=32, lr_g=1e-3, lr_d=1e-3,
        ema_decay=0.999, batch_size=64, steps=100_000, time_limit=300.0, sample_every=50)),
    "fmnist-dcgan": Preset("Fashion-MNIST, DCGAN (non-saturating)", dict(
        dataset="fashion-mnist", arch="dcgan", loss="ns", latent_dim=100, width=64, batch_size=64, steps=3000)),
    "fmnist-mlp": Preset("Fashion-MNIST, classic MLP GAN", dict(
        dataset="fashion-mnist", arch="mlp", loss="ns", latent_dim=100, width=256, batch_size=64, steps=5000)),
    "fmnist-wgan-gp": Preset("Fashion-MNIST, DCGAN + WGAN-GP", dict(
        dataset="fashion-mnist", arch="dcgan", loss="wgan-gp", lr_g=1e-4, lr_d=1e-4, beta1=0.0, beta2=0.9,
        d_steps=5, width=64, batch_size=64, steps=2000)),
    "fmnist-lsgan": Preset("Fashion-MNIST, DCGAN + least squares (LSGAN)", dict(
        dataset="fashion-mnist", arch="dcgan", loss="lsgan", latent_dim=100, width=64, batch_size=64, steps=3000)),
    "ring8-wgan": Preset("Ring of 8 Gaussians, WGAN with weight clipping (RMSprop)", dict(
        dataset="ring8", arch="mlp", loss="wgan", opt_g="rmsprop", opt_d="rmsprop", lr_g=2e-4, lr_d=2e-4,
        clip_value=0.05, d_steps=5, latent_dim=2, width=128, batch_size=256, steps=3000, sample_every=50,
        n_fixed=512)),
    "ring8-pacgan": Preset("Ring of 8 Gaussians, PacGAN (D sees 4 samples at once)", dict(
        dataset="ring8", arch="mlp", loss="ns", pac=4, latent_dim=2, width=128, lr_g=1e-3, lr_d=1e-3,
        batch_size=256, steps=3000, sample_every=50, n_fixed=512)),
    "digits-cdcgan": Preset("Digits 8x8, conditional DCGAN (a row per digit; fast on a CPU)", dict(
        dataset="digits", arch="dcgan", loss="ns", conditioning="concat", latent_dim=64, width=32, batch_size=64,
        steps=1500, n_fixed=100)),
    "fmnist-cdcgan": Preset("Fashion-MNIST, conditional DCGAN (projection D)", dict(
        dataset="fashion-mnist", arch="dcgan", loss="ns", conditioning="projection", latent_dim=100, width=64,
        batch_size=64, steps=3000, n_fixed=100)),
    "cifar10-sngan": Preset("CIFAR-10, SNGAN: ResNet + spectral norm + hinge loss", dict(
        dataset="cifar10", arch="resnet", loss="hinge", spectral_norm=True, lr_g=2e-4, lr_d=2e-4, beta1=0.0,
        beta2=0.9, d_steps=5, latent_dim=128, width=64, batch_size=64, steps=5000)),
    "fmnist-stylegan": Preset("Fashion-MNIST, StyleGAN-lite (R1, EMA, style mixing)", dict(
        dataset="fashion-mnist", arch="stylegan-lite", loss="ns", r1_weight=1.0, ema_decay=0.999, style_mixing=0.9,
        lr_g=2e-4, lr_d=2e-4, beta1=0.0, beta2=0.99, latent_dim=64, width=32, batch_size=32, steps=5000)),
    # 2-D lab (app_pages/toy_lab.py) and the mode-collapse benchmark (bench/toy_modes.py, table in the README)
    "ring8-lab": Preset("2-D lab: ring of 8, small MLP (2 hidden layers of 64), 2-D noise", dict(
        dataset="ring8", arch="toy-mlp", depth=2, width=64, latent_dim=2, loss="ns", lr_g=1e-3, lr_d=1e-3,
        batch_size=128, steps=20000, sample_every=50, n_fixed=256)),
    # The mode-collapse benchmark's winners (bench/toy_modes.py; table and command in the README).
    # A cosine decay to 2% of the LR over a long run sharpens the modes. Seed 0: ring 82% HQ (10k steps,
    # constant LR) -> 87.6% (20k) -> 91.5% (20k, cosine) -> 94.4% (40k, cosine) -> 97.0% (80k, cosine);
    # grid 74% -> 85.4% -> 87.4% -> 93.4% (40k, cosine) -> 95.4% (80k, cosine). Three-seed tables in the README.
    "ring8-best": Preset("Ring of 8, best measured: PacGAN (pac 4) + R1 0.1 + EMA of G, 3x128 MLPs, 80k steps, "
                         "cosine LR", dict(
        dataset="ring8", arch="toy-mlp", depth=3, width=128, latent_dim=2, loss="ns", pac=4, ema_decay=0.999,
        r1_weight=0.1, lr_g=1e-3, lr_d=1e-3, batch_size=256, steps=80000, schedule="cosine", lr_min_factor=0.02,
        sample_every=50, n_fixed=512)),
    "grid25-best": Preset("Grid of 25, best measured: R1 0.1 + EMA of G (no packing), 3x128 MLPs, 80k steps, "
                          "cosine LR", dict(
        dataset="grid25", arch="toy-mlp", depth=3, width=128, latent_dim=2, loss="ns", ema_decay=0.999,
        r1_weight=0.1, lr_g=1e-3, lr_d=1e-3, batch_size=256, steps=80000, schedule="cosine", lr_min_factor=0.02,
        sample_every=50, n_fixed=512)),
}


def preset(name: str) -> TrainConfig:
    """The config of a named preset (each one is validated by tests/test_presets.py)."""
    if name not in PRESETS:
        raise ConfigError("preset", Msg("unknown preset {name!r}; allowed: {allowed}", name=name,
                                        allowed=", ".join(PRESETS)))
    return TrainConfig(**PRESETS[name].fields)
