"""Errors of the core that more than one layer raises: the leaf of the import graph.

`ConfigError` lives here, not in `config.py`, because components (optimisers, models, the data
pipeline) refuse bad values too, and a component importing `config` would tie it to every module
that config's validation reads (the import cycle this module breaks).
"""

from __future__ import annotations


class ConfigError(ValueError):
    """A configuration value is not allowed. `field` names the offending field."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
