"""The router (app.py) is the only way into a page.

Streamlit serves a folder named `pages/` beside the main script as a legacy multipage app, so a
direct URL (/runs) would run that page without app.py: no heartbeat, the sidebar listing file
names. The page scripts live in app_pages/ instead (tests/e2e/test_direct_urls.py checks the
direct URLs in a browser).
"""

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_no_legacy_pages_folder():
    assert not (REPO / "pages").exists(), "a pages/ folder beside app.py is served around the router"


def test_every_routed_page_exists():
    paths = re.findall(r'st\.Page\("([^"]+)"', (REPO / "app.py").read_text())
    assert len(set(paths)) == 9  # Lessons twice: at / (the default page) and, hidden, at /lessons
    for p in paths:
        assert (REPO / p).is_file(), p
        assert not p.startswith("pages/"), p
