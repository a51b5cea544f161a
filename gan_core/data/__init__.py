"""Dataset sources, each turned into one in-memory tensor plus labels.

Small datasets live whole on the training device and batches are random index gathers
(`x[torch.randint(...)]`), which is far cheaper than a per-sample DataLoader.

Value conventions: images are float32 (N, C, H, W) in [-1, 1] (the Tanh range of G);
2-D points are float32 (N, 2) in data coordinates; labels are int64 (N,) or None.

A dataset is named by a registry key (`ring8`, `mnist`, ...) or, for the sources that read a
user's file, `KEY:PATH` (`csv:points.csv`, `folder:faces`, `zip:uploads/3f2a.zip`); PATH must lie
inside the data root (see `paths.py`). Each source returns its data at native size (`Raw`);
`prepare.py` applies the preprocessing options of the config (resolution, channels, fit, hflip),
checks the memory it needs, and caches.

    sample_shape(cfg)           per-sample shape, without reading any data
    prepare_dataset(cfg, dev)   the prepared Dataset (refuses, with the figures, what cannot fit)
    preview(cfg)                what the Data page shows, without preparing the whole dataset

This `__init__` only imports the sources (which registers them) and hands names on: the registry,
the records and the errors the sources need live in `_registry.py`, so no source imports its package.
"""

# Register the built-in sources (the order is the order of the select box), then the pipeline.
from gan_core.data import (  # noqa: F401
    cifar,
    csvpoints,
    digits,
    fashion_mnist,
    images,
    mnist,
    toy2d,
)
from gan_core.data._registry import (  # noqa: F401  (the public names of gan_core.data)
    DATASETS,
    DataError,
    DataOptionError,
    Dataset,
    DatasetRegistry,
    DatasetSpec,
    Raw,
    SourceRequest,
    parse_name,
    register_source,
)
from gan_core.data.paths import data_root, resolve_user_path  # noqa: F401
from gan_core.data.prepare import (  # noqa: F401
    CHANNELS,
    FITS,
    RESOLUTIONS,
    DataOptions,
    Preview,
    available_bytes,
    check_fits,
    check_options,
    check_source,
    clear_caches,
    dataset_size,
    estimate_nbytes,
    finish,
    format_bytes,
    load_dataset,
    load_raw,
    memory_problem,
    prepare_dataset,
    preview,
    sample_shape,
)
