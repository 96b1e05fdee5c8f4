"""The demo page's logic without a browser: decoding uploads in memory, bad uploads, the answer."""

from __future__ import annotations

import base64
import io
import json
import sys

import numpy as np
import pytest
import torch
from PIL import Image

from fmnist import demo
from fmnist.images import ImageFileError, load_image_file, read_image_bytes
from fmnist.lab.cli import main
from fmnist.models import CLASSES


def png_bytes(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def page_message(data: bytes | None, name: str = "shirt.png", size: int | None = None) -> str:
    """The JSON the page's script sends for a chosen file."""
    url = None if data is None else "data:image/png;base64," + base64.b64encode(data).decode()
    return json.dumps({"name": name, "size": len(data or b"") if size is None else size, "data": url})


def garment_photo() -> np.ndarray:
    """A dark block on a light background, like a garment photographed on paper."""
    photo = np.full((120, 90), 235, dtype=np.uint8)
    photo[15:105, 20:70] = 40
    return photo


class FixedLogits(torch.nn.Module):
    """A stand-in model whose answer does not depend on the image."""

    def __init__(self, logits: list[float]) -> None:
        super().__init__()
        self.logits = torch.tensor(logits)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.logits.expand(x.shape[0], -1)


def test_an_upload_is_decoded_in_memory_exactly_as_the_same_file_on_disk(tmp_path):
    data = png_bytes(garment_photo())
    (tmp_path / "photo.png").write_bytes(data)
    from_page = demo.read_upload(page_message(data))
    assert from_page.shape == (28, 28) and from_page.dtype == np.uint8
    np.testing.assert_array_equal(from_page, load_image_file(tmp_path / "photo.png"))


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (None, "Nothing to classify"),
        (page_message(b""), "empty (0 bytes)"),
        (page_message(None, size=demo.MAX_UPLOAD_BYTES + 1), "MiB limit"),
        (page_message(b"this is a text file, not a picture", name="notes.png"), "notes.png is not an image"),
        (json.dumps({"name": "x.png", "size": 5, "data": "data:image/png;base64,@@@"}), "arrived damaged"),
        ("{not json", "cannot read"),
        (json.dumps({"name": "x.png", "size": 5, "error": "NotReadableError"}), "could not read x.png"),
    ],
)
def test_a_bad_upload_gets_a_message_for_the_page_and_no_prediction(message, expected):
    preview, top, text = demo.respond(FixedLogits([0.0] * 10), message)
    assert preview == "" and top is None
    assert text.startswith("**Could not classify:**") and expected in text


def test_the_server_refuses_an_oversized_payload_even_when_the_page_is_bypassed():
    data = b"\0" * (demo.MAX_UPLOAD_BYTES + 10)
    with pytest.raises(ImageFileError, match="MiB limit"):
        demo.decode_payload(page_message(data, size=1))  # a lying size field does not help


def test_a_photo_under_uneven_light_is_cropped_to_the_garment_not_to_the_paper():
    light = np.linspace(200, 240, 400, dtype=np.float32)[None, :].repeat(300, axis=0)  # a gradient
    light[100:220, 250:330] *= 0.2  # a dark garment right of centre
    image = read_image_bytes(png_bytes(light.astype(np.uint8)))
    assert image[:, :2].max() == 0 and image[:, -2:].max() == 0  # the paper is black, even at its darker edge
    assert image[14, 14] > 200 and image.shape == (28, 28)  # the garment fills the middle


def test_an_image_with_too_many_pixels_is_refused_before_it_is_decoded():
    huge = png_bytes(np.zeros((3000, 3000), dtype=np.uint8))  # compresses to a few kB
    with pytest.raises(ImageFileError, match="megapixel limit"):
        read_image_bytes(huge, name="bomb.png", max_pixels=1_000_000)
    assert read_image_bytes(huge, name="ok.png", max_pixels=10_000_000).shape == (28, 28)


def test_the_answer_shows_the_image_the_model_saw_its_top_three_and_no_note_when_confident():
    logits = [0.0] * 10
    logits[9], logits[7], logits[5] = 9.0, 5.0, 4.0
    preview, top, text = demo.respond(FixedLogits(logits), page_message(png_bytes(garment_photo())))
    assert list(top) == [CLASSES[9], CLASSES[7], CLASSES[5]]
    assert top[CLASSES[9]] == pytest.approx(torch.tensor(logits).softmax(0)[9].item())
    assert text.startswith(f"**Prediction: {CLASSES[9]}**") and "Low confidence" not in text
    src = preview.split('src="', 1)[1].split('"', 1)[0]
    shown = np.asarray(Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1]))))
    np.testing.assert_array_equal(shown, demo.read_upload(page_message(png_bytes(garment_photo()))))


def test_a_low_confidence_answer_says_the_input_may_look_unlike_fashion_mnist():
    reading = demo.classify(FixedLogits([0.0] * 10), garment_photo()[:28, :28])
    assert reading.ranked[0][1] == pytest.approx(0.1)
    assert reading.note is not None and "unlike Fashion-MNIST" in reading.note


def test_the_shipped_model_reads_a_garment_photo():
    from fmnist.pretrained import load_pretrained

    reading = demo.classify(load_pretrained(), demo.read_upload(page_message(png_bytes(garment_photo()))))
    assert len(reading.ranked) == demo.TOP and sum(p for _, p in reading.ranked) <= 1.0 + 1e-6
    assert [p for _, p in reading.ranked] == sorted((p for _, p in reading.ranked), reverse=True)


def test_the_demo_command_without_gradio_names_the_extra_to_install(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "gradio", None)  # import gradio -> ImportError
    assert main(["demo", "--port", "1"]) == 2
    assert "pip install -e '.[demo]'" in capsys.readouterr().err


def test_the_page_builds_with_the_upload_pad_the_image_the_label_and_the_message():
    pytest.importorskip("gradio", reason="the demo's optional extra: pip install -e '.[demo]'")
    page = demo.build_page(FixedLogits([0.0] * 10))
    ids = {block.elem_id for block in page.blocks.values() if getattr(block, "elem_id", None)}
    assert {"fmnist-pad", "fmnist-seen-box", "fmnist-top", "fmnist-message"} <= ids


def test_the_low_confidence_threshold_is_read_off_the_validation_split(monkeypatch, capsys, splits):
    import fmnist.data
    from fmnist.calibration import confidence_threshold

    monkeypatch.setattr(fmnist.data, "load_data", lambda: splits)
    model = FixedLogits([3.0, 1.0] + [0.0] * 8)
    threshold = demo.validation_threshold(model)
    expected = confidence_threshold(demo.predict(model, splits.val.images).probabilities, demo.COVERAGE)
    assert threshold == pytest.approx(expected) and 0.1 < threshold < 1
    just_below = demo.classify(model, garment_photo()[:28, :28], threshold + 1e-6)
    assert just_below.note is not None and f"below the {threshold:.0%}" in just_below.note
    assert demo.classify(model, garment_photo()[:28, :28], threshold - 1e-6).note is None

    def missing():
        raise fmnist.data.DataError("no raw files in data/")

    monkeypatch.setattr(fmnist.data, "load_data", missing)
    assert demo.validation_threshold(model) == demo.FALLBACK_THRESHOLD
    assert "python -m fmnist data" in capsys.readouterr().err
