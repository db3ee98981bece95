"""The live dashboard in a real headless browser: serve.py on the tiny bundle, traffic,
then Debian's chromium (through selenium and chromedriver) signs in on the form and
renders /dashboard; then a second sign-in through a ``?token=`` link.

Needs ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them). Missing, the test
fails saying so; ``REDHEART_SKIP_BROWSER=1`` skips it explicitly instead. With
``REDHEART_DASHBOARD_SCREENSHOTS=DIR`` it also writes its screenshots there
(``make dashboard-screenshots`` -> docs/img/dashboards/).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests.helpers import assert_png_not_blank
from tests.serving.test_e2e import SERVE, START_TIMEOUT_S, _env, _read_port_line

from redheart_lit.cli.export import add_reference

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
TOKEN = "dashboard-test-token"
TEXTS = ["I lied to my friend and I regret it.", "What a wonderful surprise party!",
         "오늘 시험에 합격해서 정말 기뻐요", "I am scared of the dark.", "That was disgusting.",
         "Thank you so much for your help.", "I miss her every day."]  # fmt: skip
# Flags for a sandbox-less CI container: no GPU, no network services, a fresh profile.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1280,1500")  # fmt: skip

pytestmark = pytest.mark.slow


def _need_browser() -> None:
    if os.environ.get("REDHEART_SKIP_BROWSER") == "1":
        pytest.skip("REDHEART_SKIP_BROWSER=1")
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.is_file()]
    if missing:
        pytest.fail(
            f"{', '.join(missing)} missing: apt-get install -y chromium chromium-driver "
            "(or set REDHEART_SKIP_BROWSER=1 to skip this test on purpose)"
        )


@pytest.fixture
def server(tiny_bundle: Path, tmp_path: Path) -> Iterator[str]:
    """serve.py with a token on a copy of the tiny bundle that has a reference.json."""
    bundle = tmp_path / "bundle"
    shutil.copytree(tiny_bundle, bundle)
    add_reference(bundle, ROOT / "data" / "sample" / "train.jsonl")
    log = (tmp_path / "stderr.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, str(SERVE), f"ckpt={bundle}", "serve.port=0",
         "serve.dashboard_show_text=true", "serve.access_log=true",
         f"hydra.run.dir={tmp_path}/run"],
        stdout=subprocess.PIPE, stderr=log, text=True, cwd=tmp_path,
        env={**_env(), "REDHEART_API_TOKEN": TOKEN}, start_new_session=True,
    )  # fmt: skip
    try:
        yield _read_port_line(proc, START_TIMEOUT_S)["listening"]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        log.close()


def test_dashboard_renders_the_traffic_sent(server: str, tmp_path: Path) -> None:
    _need_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    with httpx.Client(base_url=server, headers={"Authorization": f"Bearer {TOKEN}"}) as client:
        for text in TEXTS:
            assert client.post("/v1/analyze", json={"text": text}).status_code == 200
        assert client.post("/v1/analyze", json={"text": ""}).status_code == 422
    sent = len(TEXTS) + 1

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    profile = tempfile.mkdtemp(prefix="chromium-profile-", dir=tmp_path)
    options.add_argument(f"--user-data-dir={profile}")
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    try:
        # No credentials: the sign-in form. The token goes in the POST body, not a URL.
        driver.get(f"{server}/dashboard")
        sign_in = tmp_path / "sign_in.png"
        driver.save_screenshot(str(sign_in))
        driver.find_element(By.ID, "token").send_keys(TOKEN)
        driver.find_element(By.ID, "sign-in").click()
        wait = WebDriverWait(driver, 30)
        wait.until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "1")
        (cookie,) = driver.get_cookies()  # the session cookie the page's polls send
        assert cookie["httpOnly"]
        assert cookie["sameSite"] == "Strict"
        assert TOKEN not in cookie["value"]
        # The charts are drawn: bars in the batch and Ekman panels, a row per recent text.
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#batches rect"))
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#ekman rect")) == 14)
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#history polyline"))  # 2 polls
        assert driver.find_element(By.ID, "total-requests").text == str(sent)
        assert driver.current_url == f"{server}/dashboard"
        drift = driver.find_element(By.ID, "drift")
        assert drift.text.startswith("PSI ")
        assert drift.get_attribute("class") in ("ok", "warn", "alert")
        recent = driver.find_elements(By.CSS_SELECTOR, "#recent tr")
        assert len(recent) == 1 + len(TEXTS)  # header + one row per analysed text
        assert TEXTS[-1] in recent[1].text  # dashboard_show_text=true: newest first
        assert driver.find_element(By.ID, "errors").text.count("422") == 1
        shot = tmp_path / "dashboard.png"
        driver.save_screenshot(str(shot))
        # A fresh browser state, then a link with the token: the 303 drops it from the URL.
        driver.delete_all_cookies()
        driver.get(f"{server}/dashboard?token={TOKEN}")
        wait.until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "1")
        assert driver.current_url == f"{server}/dashboard"
    finally:
        driver.quit()
    assert_png_not_blank(shot)
    assert_png_not_blank(sign_in)
    # serve.access_log=true: the link's request line is there, its token is not.
    log = (tmp_path / "stderr.log").read_text()
    assert "/dashboard?token=[redacted]" in log
    assert TOKEN not in log
    out = os.environ.get("REDHEART_DASHBOARD_SCREENSHOTS")
    if out:
        Path(out).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(out) / "server_dashboard.png")
        shutil.copy(sign_in, Path(out) / "server_dashboard_sign_in.png")
