"""The documentation site builds in strict mode (a warning, a broken link or a missing page fails
it), has a page for everything it promises, fetches nothing from other hosts, and renders in a
real headless browser (the system's Chromium, driven over the DevTools protocol): the home
page, a tutorial and an API page, with their images and no console errors. Screenshots go to
the test's temporary folder."""

from __future__ import annotations

import base64
import functools
import http.server
import inspect
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

import wann
from tests.conftest import REQUIRE_EXTRAS, need

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 120.0  # seconds for any one browser step: generous, since CI's 2 cores are busy


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    for module in ("mkdocs", "material", "mkdocstrings_handlers.python"):
        need(module, "docs")
    out = tmp_path_factory.mktemp("site") / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(ROOT)}
    p = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml"),
                        "-d", str(out)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-5000:]
    return out


def test_every_export_command_and_study_has_a_page(site: Path) -> None:
    for name in wann.__all__:
        obj = getattr(wann, name)
        if inspect.isfunction(obj) or inspect.isclass(obj) or inspect.ismodule(obj):
            page = (site / "reference" / "api" / name / "index.html").read_text()
            assert "Examples" in page and "&gt;&gt;&gt;" in page, name
    from wann.cli import commands

    for mod in commands():
        page = (site / "reference" / "cli" / mod.NAME / "index.html").read_text()
        assert f"wann {mod.NAME}" in page and "--help" in page
    evolve = (site / "reference" / "cli" / "evolve" / "index.html").read_text()
    assert "--checkpoint-every" in evolve and "--resume" in evolve
    # the committed studies: a run a user made into results/runs/ (ignored by git) is none
    tracked = subprocess.run(["git", "-C", str(ROOT), "ls-files", "results"], capture_output=True,
                             text=True, check=True).stdout.split()
    studies = {Path(f).parts[1] for f in tracked if len(Path(f).parts) > 2}
    assert "swingup-run" in studies
    for study in studies:
        assert (site / "results" / study / "index.html").is_file(), study
    assert (site / "results" / "swingup-run" / "figures" / "fitness.png").is_file()
    assert (site / "architecture" / "layers.svg").stat().st_size > 10_000


def test_site_loads_nothing_from_other_hosts(site: Path) -> None:
    """No script, stylesheet, font or image from another host: the site works offline."""
    pattern = re.compile(
        r"""<(?:script|link|img|iframe|source)\b[^>]*?\b(?:src|href)=["']?(?:https?:)?//""", re.I)
    css_url = re.compile(r"""url\(\s*["']?(?:https?:)?//""", re.I)
    for path in site.rglob("*.html"):
        found = pattern.search(path.read_text())
        assert found is None, f"{path.relative_to(site)} loads {found.group(0)!r}"
    for path in site.rglob("*.css"):
        assert css_url.search(path.read_text()) is None, path.relative_to(site)


# ------------------------------------------------------------------ the browser


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        if path := shutil.which(name):
            return path
    msg = "Chromium is not installed (apt-get install chromium); the site was not opened in a browser"
    if REQUIRE_EXTRAS:
        pytest.fail(f"{msg}; .ci/run must install it", pytrace=False)
    pytest.skip(msg)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


@pytest.fixture(scope="module")
def served(site: Path) -> Iterator[str]:
    """The built site over HTTP on loopback (as `mkdocs serve` would: the search index is
    fetched, which file:// URLs do not allow)."""
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = Server(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class DevTools:
    """A minimal Chrome DevTools protocol client over the browser's websocket: commands wait
    for their reply; events are kept in order until asked for."""

    def __init__(self, url: str) -> None:
        websocket = need("websocket", "docs")
        self.ws = websocket.create_connection(url, timeout=TIMEOUT, suppress_origin=True)
        self.next_id = 0
        self.events: list[dict] = []

    def _receive(self) -> dict:
        return json.loads(self.ws.recv())

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self.ws.send(json.dumps(msg))
        while True:
            reply = self._receive()
            if reply.get("id") == self.next_id:
                assert "error" not in reply, f"{method}: {reply['error']}"
                return reply["result"]
            self.events.append(reply)

    def wait_for(self, method: str, session: str) -> dict:
        while True:
            for i, e in enumerate(self.events):
                if e.get("method") == method and e.get("sessionId") == session:
                    return self.events.pop(i)
            self.events.append(self._receive())

    def close(self) -> None:
        self.ws.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory) -> Iterator[DevTools]:
    exe = chromium()
    profile = tmp_path_factory.mktemp("chromium-profile")
    proc = subprocess.Popen(
        [exe, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--no-first-run", "--no-default-browser-check", "--disable-extensions",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
         f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    stderr: list[str] = []

    def pump() -> None:
        for line in proc.stderr:
            stderr.append(line)
            lines.put(line)
        lines.put("")  # the browser exited

    threading.Thread(target=pump, daemon=True).start()
    url = None
    try:
        while url is None:  # the browser says where its DevTools endpoint listens
            line = lines.get(timeout=TIMEOUT)
            if not line:
                raise AssertionError("Chromium exited before it listened:\n" + "".join(stderr)[-3000:])
            if m := re.search(r"DevTools listening on (ws://\S+)", line):
                url = m.group(1)
        tools = DevTools(url)
        yield tools
        tools.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# After load: wait until every image has loaded or failed, then report each one.
IMAGES = """
Promise.all([...document.images].map(i => i.complete ? null :
    new Promise(done => { i.addEventListener('load', done); i.addEventListener('error', done); })))
.then(() => JSON.stringify({
    title: document.title,
    h1: (document.querySelector('article h1') || {}).textContent || '',
    code: document.querySelectorAll('article pre').length,
    images: [...document.images].map(i => ({src: i.src, ok: i.complete && i.naturalWidth > 0})),
}))
"""


def open_page(tools: DevTools, origin: str, path: str, shot: Path) -> tuple[dict, list[str], list[str]]:
    """Load one page in a fresh tab; returns what it shows, its console errors and the URLs
    it requested; writes a full-page screenshot to `shot`."""
    target = tools.send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = tools.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    try:
        for domain in ("Page", "Runtime", "Log", "Network"):
            tools.send(f"{domain}.enable", session=session)
        tools.send("Emulation.setDeviceMetricsOverride",
                   {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False}, session)
        tools.send("Page.navigate", {"url": origin + path}, session)
        while True:  # the page's own load event, not a late one of the blank tab it replaced
            tools.wait_for("Page.loadEventFired", session)
            state = tools.send("Runtime.evaluate", {"expression": "location.href + ' ' + document.readyState",
                                                    "returnByValue": True}, session)["result"]["value"]
            if state == f"{origin}{path} complete":
                break
        shown = tools.send("Runtime.evaluate", {"expression": IMAGES, "awaitPromise": True,
                                                "returnByValue": True}, session)
        info = json.loads(shown["result"]["value"])
        png = tools.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True},
                         session)["data"]
        shot.write_bytes(base64.b64decode(png))
        errors, requested = [], []
        for e in [e for e in tools.events if e.get("sessionId") == session]:
            p = e.get("params", {})
            if e["method"] == "Runtime.exceptionThrown":
                errors.append(p["exceptionDetails"].get("text", "") + " " +
                              str(p["exceptionDetails"].get("exception", {}).get("description", "")))
            elif e["method"] == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in p["args"]))
            elif e["method"] == "Log.entryAdded" and p["entry"]["level"] == "error":
                errors.append(f"{p['entry'].get('url', '')}: {p['entry']['text']}")
            elif e["method"] == "Network.requestWillBeSent":
                requested.append(p["request"]["url"])
        tools.events = [e for e in tools.events if e.get("sessionId") != session]
        return info, errors, requested
    finally:
        tools.send("Target.closeTarget", {"targetId": target})


@pytest.mark.parametrize("path, heading, min_images", [
    ("/", "wann", 1),
    ("/tutorials/evolve-and-plot/", "Evolve and plot", 1),
    ("/reference/api/evolve/", "wann.evolve", 0),
])
def test_page_renders_in_chromium(browser: DevTools, served: str, tmp_path: Path, path: str,
                                  heading: str, min_images: int) -> None:
    shot = tmp_path / ((path.strip("/").replace("/", "-") or "home") + ".png")
    info, errors, requested = open_page(browser, served, path, shot)
    assert errors == [], f"console errors on {path}: {errors}"
    assert heading in info["h1"], info
    assert info["code"] >= 1, f"{path} shows no code block"
    assert len(info["images"]) >= min_images, info["images"]
    broken = [i["src"] for i in info["images"] if not i["ok"]]
    assert broken == [], f"images that did not load on {path}: {broken}"
    elsewhere = [u for u in requested if not u.startswith((served, "data:", "blob:"))]
    assert elsewhere == [], f"{path} requested other hosts: {elsewhere}"
    assert shot.stat().st_size > 20_000  # a rendered page, not a blank one
