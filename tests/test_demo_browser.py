"""The demo page in a real browser: ``python -m fmnist demo`` on a free loopback port, driven by
Debian's headless Chromium through chromedriver (Selenium).

Skips with a how-to where the browser, its driver, Selenium or Gradio is missing, unless
``FMNIST_REQUIRE_BROWSER`` is set (CI sets it): then it fails. With ``FMNIST_DEMO_SCREENSHOT=PATH``
the upload test saves a screenshot of the page there (`make screenshot` writes assets/demo.png).
"""

from __future__ import annotations

import base64
import io
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFilter

from fmnist.demo import MAX_UPLOAD_BYTES, classify
from fmnist.images import load_image_file
from fmnist.pretrained import load_pretrained

REQUIRE_ENV = "FMNIST_REQUIRE_BROWSER"
SCREENSHOT_ENV = "FMNIST_DEMO_SCREENSHOT"
HOW_TO = (
    "install Debian's headless browser and its driver (apt-get install chromium chromium-driver; "
    "`make test` does this when run as root) and the demo's packages (pip install -r requirements.txt)"
)
WAIT_SECONDS = 60


def _missing() -> str | None:
    for module in ("selenium", "gradio"):
        try:
            __import__(module)
        except ImportError:
            return f"no {module} module"
    for program in ("chromium", "chromedriver"):
        if shutil.which(program) is None:
            return f"no {program} on PATH"
    return None


def _skip_or_fail(reason: str) -> None:
    if os.environ.get(REQUIRE_ENV):
        pytest.fail(f"{reason} and {REQUIRE_ENV} is set: {HOW_TO}")
    pytest.skip(f"{reason}: {HOW_TO}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _files_under(*folders: Path) -> set[Path]:
    return {path for folder in folders for path in folder.rglob("*") if path.is_file()}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """The demo server as a user starts it, with its temp folders where the tests can watch them."""
    missing = _missing()
    if missing:
        _skip_or_fail(missing)
    root = tmp_path_factory.mktemp("demo-server")
    temp_dirs = (root / "gradio", root / "tmp")
    for folder in temp_dirs:
        folder.mkdir()
    port = _free_port()
    env = {**os.environ, "GRADIO_TEMP_DIR": str(temp_dirs[0]), "TMPDIR": str(temp_dirs[1])}
    log = (root / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "fmnist", "demo", "--port", str(port)], env=env, stdout=log, stderr=log
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the demo server did not come up on {url}:\n{(root / 'server.log').read_text()}")
        time.sleep(0.25)
    yield {"url": url, "process": process, "temp_dirs": temp_dirs, "log": root / "server.log"}
    process.terminate()
    process.wait(timeout=30)
    log.close()


@pytest.fixture(scope="module")
def browser(server: dict) -> Iterator:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1200,1050"):
        options.add_argument(argument)
    options.binary_location = shutil.which("chromium")
    driver = webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver")))
    driver.get(server["url"])
    _wait_for(lambda: driver.find_elements("id", "fmnist-file"), "the upload button")
    yield driver
    driver.quit()


def _wait_for(condition, what: str):
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.1)
    pytest.fail(f"waited {WAIT_SECONDS} s for {what}")


def _answer(driver, before: str) -> str:
    """The page's message once it changed from ``before`` to a prediction or an error."""

    def settled() -> str | None:
        text = driver.find_element("id", "fmnist-message").text
        done = text.startswith(("Prediction:", "Could not classify:"))
        return text if done and text != before else None

    return _wait_for(settled, "the page's answer")


def _upload(driver, path: Path) -> str:
    before = driver.find_element("id", "fmnist-message").text
    driver.find_element("id", "fmnist-file").send_keys(str(path))
    return _answer(driver, before)


def _shown_image(driver) -> np.ndarray:
    src = driver.find_element("id", "fmnist-seen").get_attribute("src")
    assert src.startswith("data:image/png;base64,"), "the 28x28 image must come inline, not from a file"
    return np.array(Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1]))))


def garment_photo(path: Path) -> Path:
    """A photo-like picture of a real test-set garment: dark on unevenly lit grey paper, larger, soft,
    off-centre, with sensor noise."""
    from fmnist.data import load_data

    garment = load_data().test.images[0].numpy().astype(np.float32) / 255
    big = np.asarray(Image.fromarray((garment * 255).astype(np.uint8)).resize((224, 224), Image.BICUBIC))
    ink = np.zeros((300, 360), dtype=np.float32)
    ink[40:264, 96:320] = big / 255
    light = np.linspace(205, 235, 360, dtype=np.float32)[None, :].repeat(300, axis=0)
    noise = np.random.default_rng(0).normal(0, 3, ink.shape)
    photo = Image.fromarray(np.clip(light * (1 - 0.85 * ink) + noise, 0, 255).astype(np.uint8))
    photo.filter(ImageFilter.GaussianBlur(1.2)).save(path)
    return path


def test_an_uploaded_photo_gets_the_models_prediction_and_the_28x28_image_it_saw(server, browser, tmp_path):
    photo = garment_photo(tmp_path / "garment.png")
    before = _files_under(*server["temp_dirs"])
    answer = _upload(browser, photo)

    seen = load_image_file(photo)
    expected = classify(load_pretrained(), seen)
    name, probability = expected.ranked[0]
    assert answer.startswith(f"Prediction: {name} ({probability:.1%})")
    np.testing.assert_array_equal(_shown_image(browser), seen)
    label = browser.find_element("id", "fmnist-top").text
    assert all(other in label for other, _ in expected.ranked)
    assert _files_under(*server["temp_dirs"]) == before, "an upload was written to disk"
    if os.environ.get(SCREENSHOT_ENV):
        browser.save_screenshot(os.environ[SCREENSHOT_ENV])


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"GIF89a but then just text", "is not an image"),
        (b"", "is empty (0 bytes)"),
        (b"\0" * (MAX_UPLOAD_BYTES + 1), "MiB limit"),
    ],
    ids=["not-an-image", "empty", "huge"],
)
def test_a_bad_upload_gets_a_message_and_the_server_keeps_serving(
    server, browser, tmp_path, content, expected
):
    bad = tmp_path / "upload.png"
    bad.write_bytes(content)
    answer = _upload(browser, bad)
    assert answer.startswith("Could not classify:") and expected in answer and "upload.png" in answer
    assert server["process"].poll() is None, server["log"].read_text()
    assert _upload(browser, garment_photo(tmp_path / "after.png")).startswith("Prediction:")


def test_a_drawing_is_classified_from_what_the_model_sees(server, browser):
    from selenium.webdriver.common.action_chains import ActionChains

    canvas = browser.find_element("id", "fmnist-canvas")
    browser.find_element("id", "fmnist-clear").click()
    before = browser.find_element("id", "fmnist-message").text
    strokes = ActionChains(browser).move_to_element_with_offset(canvas, -40, -110).click_and_hold()
    strokes.move_by_offset(-20, 220).release().move_to_element_with_offset(canvas, 40, -110)
    strokes.click_and_hold().move_by_offset(20, 220).release().perform()  # a pair of trouser legs
    answer = _answer(browser, before)
    seen = _shown_image(browser)
    assert seen.max() > 200 and seen[0].mean() < seen.mean() * 3  # light strokes, scaled to fill
    name, probability = classify(load_pretrained(), seen).ranked[0]
    assert answer.startswith(f"Prediction: {name} ({probability:.1%})")
