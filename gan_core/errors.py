"""Errors of the core that more than one layer raises: the leaf of the import graph.

`ConfigError` lives here, not in `config.py`, because components (optimisers, models, the data
pipeline) refuse bad values too, and a component importing `config` would tie it to every module
that config's validation reads (the import cycle this module breaks).
"""

from __future__ import annotations

from gan_core.messages import Msg


class ConfigError(ValueError):
    """A configuration value is not allowed. `field` names the offending field.

    Its message is a Msg ("{field}: {message}"), so the UI shows it translated (`ui.i18n.tr(error)`,
    which translates `message` too when that is a Msg); str(error) is the English sentence the CLI prints."""

    def __init__(self, field: str, message: str):
        super().__init__(Msg("{field}: {message}", field=field, message=message))
        self.field = field
        self.message = message
