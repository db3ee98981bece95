"""Screenshot of TensorBoard's Images tab for a run's dashboards (docs/dashboards.md).

    python scripts/tensorboard_screenshot.py LOGDIR OUT.png

Starts ``tensorboard --logdir LOGDIR`` on a free loopback port, opens its Images tab in
Debian's headless chromium (selenium + /usr/bin/chromedriver, no browser download), waits
for the figures to load, saves the screenshot and stops TensorBoard. Run by ``make
dashboard-screenshots``.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1400,1000")  # fmt: skip


# How many images on the page have loaded.
# Loaded images on the page, inside shadow roots and same-origin frames too (TensorBoard's
# Images tab is a Polymer plugin: its cards live in shadow DOM).
LOADED = """
const count = (root) => {
  let n = [...root.querySelectorAll('img')].filter(i => i.complete && i.naturalWidth > 100).length;
  for (const el of root.querySelectorAll('*')) {
    if (el.shadowRoot) n += count(el.shadowRoot);
    if (el.tagName === 'IFRAME' && el.contentDocument) n += count(el.contentDocument);
  }
  return n;
};
return count(document);
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout_s} s")


def main(logdir: str, out: str) -> None:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "tensorboard.main", "--logdir", logdir, "--port", str(port),
         "--host", "127.0.0.1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_for(url)
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for flag in (*FLAGS, f"--user-data-dir={tempfile.mkdtemp(prefix='chromium-')}"):
            options.add_argument(flag)
        driver = webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))
        try:
            driver.get(url + "?darkMode=false#images")
            WebDriverWait(driver, 90).until(lambda d: d.execute_script(LOADED) >= 2)
            time.sleep(1)  # let the last images paint
            Path(out).parent.mkdir(parents=True, exist_ok=True)
            driver.save_screenshot(out)
        finally:
            driver.quit()
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit("usage: python scripts/tensorboard_screenshot.py LOGDIR OUT.png")
    main(sys.argv[1], sys.argv[2])
