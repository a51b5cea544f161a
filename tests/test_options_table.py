"""The README's option table is the one `python -m gan_core options --markdown` prints from the option
declarations in gan_core/config.py: a changed default, range, label or new option fails here until the
table is regenerated."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from gan_core.config import TrainConfig
from gan_core.options import markdown_table

README = Path(__file__).resolve().parents[1] / "README.md"
TABLE = re.compile(r"<!-- options table: start[^\n]*-->\n(.*?)<!-- options table: end -->", re.S)


def test_readme_option_table_is_up_to_date():
    m = TABLE.search(README.read_text(encoding="utf-8"))
    assert m, "README.md lost its '<!-- options table: start/end -->' markers"
    assert m.group(1) == markdown_table(), ("README.md's option table is out of date: run "
                                            "`python -m gan_core options --markdown` and paste it between the markers")


def test_the_table_has_a_row_per_option_with_its_default():
    table = markdown_table()
    for f in dataclasses.fields(TrainConfig):
        row = next((r for r in table.splitlines() if r.startswith(f"| `--{f.name.replace('_', '-')}` |")), None)
        assert row is not None, f.name
        default = getattr(TrainConfig(), f.name)
        assert f"`{str(default).lower() if isinstance(default, bool) else default}`" in row, (f.name, row)
    assert "| `--clip-value` | `0.01` | 0.0001 to 10 | losses wgan |" in table  # range and applicability
    assert "| `--beta1` | `0.5` | 0 <= x < 1 | optimisers adam |" in table


def test_the_options_command_prints_the_table(capsys):
    from gan_core.cli import main

    assert main(["options", "--markdown"]) == 0
    assert capsys.readouterr().out == markdown_table()
    assert main(["options"]) == 0
    out = capsys.readouterr().out
    assert "--r1-weight: R1 penalty (gamma) [0 to 1000]" in out and "(default: 0.0)" in out
