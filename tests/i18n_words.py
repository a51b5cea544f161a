"""What counts as an English word in Chinese UI text (issue 19's tests): Latin-letter words outside proper
names, formulas, numbers, units, ids and paths. Shared by the literal check (tests/test_i18n_literals.py)
and the page checks (tests/app/test_i18n_pages.py, tests/e2e/test_i18n_browser.py)."""

from __future__ import annotations

import re

# Kept in Latin letters in the Chinese UI (ui/locales/GLOSSARY.md's last paragraph), lower case.
PROPER_NAMES = {
    # model families, papers, metrics, formulas
    "pyav", "ffmpeg", "wheel",
    "gan", "gans", "dcgan", "cdcgan", "stylegan", "wgan", "gp", "pacgan", "pac", "r1", "fid", "kid", "is", "inception",
    "ema", "mlp", "mlps", "lite", "kl", "js", "ln", "tanh", "std", "kullback", "leibler", "jensen", "shannon",
    # methods, number formats and libraries named in the options' help (h19-options; more below, the lessons')
    "diffaugment", "adain", "gman", "pggan", "stylegan2", "sagan", "biggan", "sgd", "softmax", "bf16", "fp16", "fp32",
    "amx", "cudnn", "tensorboard",
    # authors of the papers cited there (Goodfellow et al. 2014 -> Goodfellow 等人，2014)
    "goodfellow", "arjovsky", "gulrajani", "karras", "mescheder", "lin", "heusel", "durugkar", "zhao", "kahng",
    "mirza", "osindero", "mao", "lim", "ye", "kingma", "ba", "tieleman", "hinton", "smith",
    # datasets and their sources
    "mnist", "fashion", "fmnist", "kmnist", "cifar", "cifar10", "digits", "ring8", "grid25", "moons", "spiral",
    "swiss", "roll", "gaussian", "scikit", "learn", "sklearn", "torchvision", "idx", "debian", "python",
    # file formats, devices, units, markup
    "png", "jpeg", "jpg", "csv", "zip", "html", "gif", "mp4", "rgb", "float32", "cpu", "gpu", "cuda", "mps",
    "kb", "kib", "mib", "gib", "nats",
    # ids a person types or sees as ids: losses, architectures (gan_core registries), states in ids
    "ns", "hinge", "toy", "resnet", "sngan", "lsgan", "nbsp", "crop", "pad",
    # the lessons' names: optimisers, concepts named after people, authors cited (Kynkäänniemi: the word regex
    # splits at the ä), files and libraries
    "adam", "rmsprop", "ttur", "lipschitz", "wasserstein", "fd", "freezed", "radford", "salimans", "ioffe",
    "szegedy", "miyato", "koyama", "kynk", "nniemi", "mo", "readme", "torch", "white", "brock",
    # Explore, Compare, the gallery export: number and file formats, units, methods and their authors (h19-explore)
    "float16", "bfloat16", "json", "safetensors", "pca", "ganspace", "harkonen", "shoemake", "mb", "utc",
    # the switch's own bilingual label
    "language", "english",
}

# paths, file names, $VARS, snake_case ids, KEY:PATH syntax (an ASCII colon with no space after it)
_PATHISH = re.compile(r"[^\s，。；：、（）]*(?:[/\\$_]|:(?=[^\s:]))[^\s，。；：、（）]*")
_FILE = re.compile(r"[\w-]+\.(?:csv|txt|zip|png|jpe?g|gif|mp4|html|json|safetensors)\b", re.I)  # points.csv
_RUN_ID = re.compile(r"\b\d{8}-\d{6}-[0-9a-z]+\b")  # gan_core.store's run ids: 20261203-000002-1a2b3c
_MARKUP = [re.compile(p, re.S) for p in (r"`[^`]*`",  # inline code: a command is not translated
                                          r"'[^'\s]+'",  # a name the user typed, quoted ('no-such-folder')
                                          r":material/[a-z_]+:", r":[a-z]+-badge\[", r":[a-z]+(?:-background)?\[",
                                          r"&[a-z]+;", r"<style>.*?</style>", r"</?[a-z]+[^>]*>")]


def english_words(text: str, allowed: set[str] = PROPER_NAMES) -> list[str]:
    """The Latin-letter words of `text` (runs of 2+ letters, digits allowed: 'ring8') that are not in `allowed`."""
    for pattern in _MARKUP:
        text = pattern.sub(" ", text)
    text = _FILE.sub(" ", _RUN_ID.sub(" ", _PATHISH.sub(" ", text)))
    words = re.findall(r"[A-Za-z0-9]+", text)
    return [w for w in words if len(re.findall(r"[A-Za-z]", w)) >= 2 and w.lower() not in allowed]
