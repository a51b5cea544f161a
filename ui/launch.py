"""`gan-playground`: the console command that `pip install .` installs; it starts the app.

It runs `python -m streamlit run <app.py beside this folder> [ARGS...]`, so
`gan-playground --server.port 8502` passes options on to Streamlit. Streamlit reads the app's own
`.streamlit/config.toml` (installed next to app.py; Streamlit's script-level config), so the installed
app serves with the same settings as `streamlit run app.py` in the repository. Runs (`runs/`) and
datasets (`data/`) are read and written in the working directory, as from the repository.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app.py"


def command(argv: list[str]) -> list[str]:
    return [sys.executable, "-m", "streamlit", "run", str(APP), *argv]


def main(argv: list[str] | None = None) -> int:
    if not APP.is_file():
        print(f"gan-playground: the app is missing ({APP}); reinstall with `pip install .`", file=sys.stderr)
        return 1
    cmd = command(sys.argv[1:] if argv is None else argv)
    if os.name == "posix":  # become the server: signals (Ctrl-C, a service manager's TERM) reach Streamlit itself
        os.execv(cmd[0], cmd)
    try:
        return subprocess.call(cmd)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
