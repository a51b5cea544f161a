"""How smoothly the 2-D lab animates during Play, measured in a real (headless) browser.

    python bench/toy_lab_anim.py                 # 30 screenshots 0.3 s apart + 10 s of redraw counting
    python bench/toy_lab_anim.py --shots 20 --count-s 10 --save /tmp/labshots

It starts `streamlit run app.py` on its own port, opens the 2-D lab in headless Debian chromium
(Playwright, no `playwright install`), presses Play and measures:

- blank / faded frames: --shots screenshots of the view's element (--every s apart). A frame is
  *blank* when the heat map's square has (almost) no colour variance or is (almost) all page
  background; it is *faded* when the view's element, or one of its ancestors, has opacity < 0.99
  (Streamlit fades stale elements while a rerun that has not re-sent them is running);
- the same two checks sampled by a timer in the page every 20 ms for --count-s seconds (many more
  samples than screenshots give);
- redraws per second of the heat map over those --count-s seconds: changes of the Plotly heat
  map's image (the old view) or the component's own frame counter (the canvas view);
- the load average before and after, so that figures taken on a shared machine can be judged.

It works on the Plotly view (before issue 15), a server-made PNG (st.image) and the canvas
component, so they can be compared on the same machine.

Measured on the 2-core dev machine (2026-12-02) while four other sessions ran tests, load tests and
training benchmarks (load average in brackets; screenshots blank / faded out of the count, redraws
per second of the heat map from the in-page probe):

    old Plotly view, train then draw every 0.3 s      21/30 blank, 11/30 faded, 0.08/s   (14-21)
      (the page's main thread was so busy that a 20 ms timer ran 3 times in 10 s)
    (b) Plotly view, draw then train every 0.08 s     20/30 blank, 12/30 faded, 0.4/s    (13)
    (d) as (b) + CSS against stale fading             18/20 blank,  0/20 faded, 0.14/s   (14)
    (c) one PNG per frame (Pillow, st.image)          1/20 broken image (the media file of a
                                                      frame already gone; the layout jumped), 65 ms
                                                      a frame to render on the server
    (a) canvas component, draw then train every 0.08 s 0/30 blank, 0-1/30 faded, 8-10/s  (9-16)
    (a) + CSS against stale fading                     0/30 blank, 0/30 faded, 5-10/s    (13)
    (a) + CSS, charts every 4 s (what ships)           0/50 blank, 0/50 faded, 3.8-6.3/s (7-10,
      with another session's server and browser busy beside it); the browser test saw 10.0/s at
      load 8.4 and 3.0/s at load 13 in the same half hour

Several frames per rerun (2 Dec, later; FRAMES_PER_TICK in app_pages/toy_lab.py): a refresh every
0.25 s sends the frames it made while training last time and the canvas plays them evenly, so the
browser handles 4 reruns a second instead of 12. Same machine, other agents' tests running:

    shipped before (1 frame / 0.08 s tick)             0/20 blank, 0/20 faded, 6.8/s probed, 6.9/s (load 6.8)
    3 frames / 0.25 s tick, 30 ms training a frame     0/20 blank, 0/20 faded, 10.2/s, 8.0/s  (5.4-6.2);
                                                       11.1/s unprobed in a second run (5.9)
    4 frames / 0.25 s tick, 20 ms training a frame     16.1/s probed, 14.4/s unprobed (5.2-5.4); the
      (what ships)                                     server's tick: every 0.25 s (median), 158 ms of work;
                                                       70 steps/s of training (the old setting: 54)

At load 13 a tick of the canvas view took 10 ms to draw and send and 51 ms with its 30 ms of
training (median); it starts every 78 ms (median). The browser is the bottleneck: at load 17-25
its main thread spent 4-8 s of every 10 s in long tasks (Streamlit's frontend handling about 12
fragment reruns a second, and the charts), while drawing a frame on the canvas takes 1.5-15 ms.
The redraw rate follows the load of the machine:
at load 36 (a class's load test running beside it) it fell to 1/s, and 7 of 30 screenshots could
not be taken within 5 s (the browser did not answer); none of the others was blank.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
VIEW = ".st-key-lab_view"

# Sampled in the page every 20 ms: is the heat map there, is the view faded, did it change?
PROBE_JS = f"""(ms) => new Promise(resolve => {{
  const st = {{samples: 0, blank: 0, faded: 0, changes: 0, sig: null}};
  const opacity = el => {{ let o = 1; for (; el && el.nodeType === 1; el = el.parentElement)
                                        o *= parseFloat(getComputedStyle(el).opacity); return o; }};
  const t0 = performance.now();
  const timer = setInterval(() => {{
    const box = document.querySelector('{VIEW}');
    st.samples++;
    if (!box) {{ st.blank++; return; }}
    let sig = null;
    const frame = box.querySelector('iframe');
    if (frame) {{
      try {{ const w = frame.contentWindow; sig = w.labView ? w.labView.frames : null; }} catch (e) {{}}
    }} else {{
      const img = box.querySelector('g.hm image');
      sig = img ? img.getAttribute('href') : null;
    }}
    if (sig === null || sig === '') st.blank++;
    if (opacity(box) < 0.99) st.faded++;
    if (sig !== null && st.sig !== null && sig !== st.sig) st.changes++;
    if (sig !== null) st.sig = sig;
    if (performance.now() - t0 > ms) {{ clearInterval(timer); st.sig = null;
      st.seconds = (performance.now() - t0) / 1000; resolve(st); }}
  }}, 20);
}})"""

# The page box of the largest element matching a selector (a rerun can leave an empty stale copy).
BOX_JS = """(sel) => { let best = null;
  for (const el of document.querySelectorAll(sel)) { const r = el.getBoundingClientRect();
    if (r.width * r.height > 0 && (!best || r.width * r.height > best.width * best.height))
      best = {x: r.x + window.scrollX, y: r.y + window.scrollY, width: r.width, height: r.height}; }
  return best; }"""

OPACITY_JS = """(sel) => { let el = [...document.querySelectorAll(sel)].sort((a, b) =>
    b.getBoundingClientRect().height - a.getBoundingClientRect().height)[0], o = el ? 1 : 0;
  for (; el && el.nodeType === 1; el = el.parentElement) o *= parseFloat(getComputedStyle(el).opacity);
  return o; }"""


def heat_is_blank(png: bytes) -> tuple[bool, float, float]:
    """Whether a screenshot of the view shows no heat map: the central square (where the heat map
    lies in both views) has almost no colour variance, or is almost all white page background.
    -> (blank, colour std, fraction of near-white pixels)."""
    a = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.float32)
    h, w = a.shape[:2]
    s = min(h, w) // 3
    c = a[h // 2 - s // 2: h // 2 + s // 2, w // 2 - s // 2: w // 2 + s // 2]
    std = float(c.reshape(-1, 3).std(0).mean())
    white = float((c.min(axis=2) > 245).mean())
    return std < 4.0 or white > 0.97, std, white


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shots", type=int, default=30)
    ap.add_argument("--every", type=float, default=0.3)
    ap.add_argument("--count-s", type=float, default=10.0)
    ap.add_argument("--warmup-s", type=float, default=4.0, help="play this long before measuring")
    ap.add_argument("--save", help="folder for the screenshots")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    port = _free_port()
    env = {**os.environ, "GAN_RUNS_DIR": f"/tmp/toy_lab_anim_runs_{port}", "PYTHONUNBUFFERED": "1"}
    with open(f"/tmp/toy_lab_anim_{port}.log", "wb") as log:
        server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                                   "--server.fileWatcherType", "none", "--server.port", str(port),
                                   "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
                                  cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    out: dict = {"load_before": os.getloadavg()}
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(240):
            try:
                urllib.request.urlopen(url + "/_stcore/health", timeout=2)
                break
            except OSError:
                time.sleep(0.25)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            page = browser.new_page(viewport={"width": 1400, "height": 1300})
            page.goto(url + "/toy_lab")
            play = page.get_by_role("button", name="Play")
            play.wait_for(timeout=120_000)
            page.locator(VIEW).first.wait_for(timeout=120_000)
            time.sleep(2)
            play.click()
            page.get_by_text("Pause").first.wait_for(timeout=30_000)
            time.sleep(args.warmup_s)
            shots = []
            for i in range(args.shots):
                t = time.monotonic()
                box = page.evaluate(BOX_JS, VIEW)
                try:  # a page that does not answer within 5 s shows nothing new: a blank frame
                    png = page.screenshot(clip=box, animations="allow", timeout=5000) if box else b""
                except Exception:
                    png = b""
                opacity = page.evaluate(OPACITY_JS, VIEW)
                blank, std, white = heat_is_blank(png) if png else (True, -1.0, -1.0)  # -1: no screenshot
                shots.append({"blank": blank, "faded": opacity < 0.99, "opacity": round(opacity, 3),
                              "std": round(std, 1), "white": round(white, 3)})
                if args.save and png:
                    os.makedirs(args.save, exist_ok=True)
                    Path(args.save, f"shot_{i:02d}.png").write_bytes(png)
                time.sleep(max(0.0, args.every - (time.monotonic() - t)))
            out["shots"] = len(shots)
            out["shots_blank"] = sum(s["blank"] for s in shots)
            out["shots_faded"] = sum(s["faded"] for s in shots)
            out["shots_missing"] = sum(s["std"] < 0 for s in shots)  # the page did not answer in 5 s
            out["shot_detail"] = shots
            probe = page.evaluate(PROBE_JS, args.count_s * 1000)
            out["probe"] = probe
            out["redraws_per_s"] = round(probe["changes"] / probe["seconds"], 2)
            out["probe_blank_frac"] = round(probe["blank"] / max(1, probe["samples"]), 3)
            out["probe_faded_frac"] = round(probe["faded"] / max(1, probe["samples"]), 3)
            # The probe's style reads every 20 ms cost the page time of their own: the canvas view's
            # own frame counter, read only at the start and the end, gives the undisturbed rate.
            frames_js = """(sel) => { const f = document.querySelector(sel + ' iframe');
                return f && f.contentWindow.labView ? f.contentWindow.labView.frames : null; }"""
            a, t0 = page.evaluate(frames_js, VIEW), time.monotonic()
            if a is not None:
                time.sleep(args.count_s)
                b = page.evaluate(frames_js, VIEW)
                out["canvas_redraws_per_s_unprobed"] = round((b - a) / (time.monotonic() - t0), 2)
                out["load_during_unprobed"] = os.getloadavg()[0]
            m = page.get_by_text("steps/s").first
            out["status_text"] = m.inner_text(timeout=5000) if m.count() else None
            browser.close()
    finally:
        out["load_after"] = os.getloadavg()
        try:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(server.pid, signal.SIGKILL)
    detail = out.pop("shot_detail", [])
    print(json.dumps(out, indent=1))
    print("shots (blank, faded, opacity, std, white):",
          " ".join(f"{int(s['blank'])}{int(s['faded'])}:{s['opacity']}/{s['std']}/{s['white']}" for s in detail))
    return 0


if __name__ == "__main__":
    sys.exit(main())
