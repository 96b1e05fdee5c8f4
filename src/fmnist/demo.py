"""The demo page, ``python -m fmnist demo``: upload a photo of a garment or draw one, see what the model sees.

Built on Gradio (the optional extra ``demo``: ``pip install -e '.[demo]'``), imported only when the
page is built, so the rest of this module needs the library alone. Uploads never touch the disk: the
page reads the file in the browser and sends its bytes inside the request (not through Gradio's
file-upload route, which caches files on disk; that route is closed here), and the server decodes
them in memory (`fmnist.images.read_image_bytes`). The 28 x 28 image goes back inline, as a data URL.
The server binds to 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

import base64
import binascii
import html
import io
import json
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch
from PIL import Image

from fmnist.calibration import confidence_threshold
from fmnist.evaluate import predict
from fmnist.images import ImageFileError, read_image_bytes
from fmnist.models import CLASSES

if TYPE_CHECKING:
    import gradio

MAX_UPLOAD_BYTES = 20 * 2**20
"""Larger files are refused in the browser, before they are read, and again on the server."""
COVERAGE = 0.95
"""The page's note appears below the confidence this share of validation images reach."""
FALLBACK_THRESHOLD = 0.5
"""The threshold when the validation split cannot be read (the data is not prepared)."""
TOP = 3
INSTALL_HINT = "the demo needs Gradio, the optional extra `demo`: pip install -e '.[demo]'"


def gradio_available() -> bool:
    """Whether Gradio (the optional extra ``demo``) can be imported."""
    try:
        import gradio  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass(frozen=True)
class Reading:
    """What the model made of one input: the image it saw, its top classes, and a note if unsure."""

    image: np.ndarray  # (28, 28) uint8, light garment on black, as the model sees it
    ranked: list[tuple[str, float]]  # the `TOP` classes, most probable first
    note: str | None  # set when the input looks unlike Fashion-MNIST


def validation_threshold(model: torch.nn.Module, coverage: float = COVERAGE) -> float:
    """The confidence `COVERAGE` of the validation split's images reach with ``model``
    (`fmnist.calibration.confidence_threshold`); `FALLBACK_THRESHOLD`, said on stderr, when the
    data cannot be read."""
    from fmnist.data import DataError, load_data

    try:
        val = load_data().val
    except DataError as err:
        print(
            f"warning: the validation split is unavailable ({err}); the low-confidence note uses "
            f"{FALLBACK_THRESHOLD:.0%} (python -m fmnist data prepares the data)",
            file=sys.stderr,
        )
        return FALLBACK_THRESHOLD
    return confidence_threshold(predict(model, val.images).probabilities, coverage)


def classify(model: torch.nn.Module, image: np.ndarray, threshold: float = FALLBACK_THRESHOLD) -> Reading:
    """The model's top classes for one (28, 28) uint8 image, with a note when its top probability
    is below ``threshold`` (the page uses `validation_threshold`)."""
    probabilities = predict(model, image[None]).probabilities[0]
    top = probabilities.topk(TOP)
    ranked = [(CLASSES[int(i)], float(p)) for p, i in zip(top.values, top.indices, strict=True)]
    note = None
    if ranked[0][1] < threshold:
        note = (
            f"Low confidence ({ranked[0][1]:.0%} for the top class, below the {threshold:.0%} that "
            f"{COVERAGE:.0%} of Fashion-MNIST's validation images reach): this input may look unlike "
            "Fashion-MNIST, which is one garment, centred, photographed flat on a plain background."
        )
    return Reading(image=image, ranked=ranked, note=note)


def decode_payload(payload: str | None) -> tuple[str, bytes]:
    """The page's message (JSON: name, size, data as a data URL) -> (file name, file bytes).

    Raises `ImageFileError` with a message for the page: nothing chosen, empty, too large, unreadable.
    """
    if not payload:
        raise ImageFileError("Nothing to classify yet: upload a photo or draw a garment.")
    try:
        message = json.loads(payload)
        name = str(message.get("name") or "the upload")
        size = message.get("size")
        data_url = message.get("data")
    except (ValueError, AttributeError) as err:
        raise ImageFileError(f"The page sent a message the server cannot read ({err}): reload it.") from err
    if isinstance(size, int | float) and size > MAX_UPLOAD_BYTES:
        raise ImageFileError(
            f"{name} is {size / 2**20:.1f} MiB, over the {MAX_UPLOAD_BYTES / 2**20:.0f} MiB limit: "
            "resize or compress it first."
        )
    if message.get("error"):
        raise ImageFileError(f"The browser could not read {name} ({message['error']}): choose it again.")
    if size == 0 or not data_url:
        raise ImageFileError(f"{name} is empty (0 bytes): choose an image file (PNG, JPEG, ...).")
    _, _, encoded = str(data_url).partition(",")
    if len(encoded) > MAX_UPLOAD_BYTES * 4 // 3 + 4:
        raise ImageFileError(f"{name} is over the {MAX_UPLOAD_BYTES / 2**20:.0f} MiB limit: resize it first.")
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as err:
        raise ImageFileError(f"{name} arrived damaged ({err}): choose it again.") from err
    return name, data


def read_upload(payload: str | None) -> np.ndarray:
    """The page's message -> the (28, 28) uint8 image the model sees (`ImageFileError` if bad)."""
    name, data = decode_payload(payload)
    return read_image_bytes(data, name=name)


def image_data_url(image: np.ndarray) -> str:
    """A (28, 28) uint8 image as an inline PNG data URL (nothing written to disk)."""
    buffer = io.BytesIO()
    Image.fromarray(image, mode="L").save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def respond(
    model: torch.nn.Module, payload: str | None, threshold: float = FALLBACK_THRESHOLD
) -> tuple[str, dict[str, float] | None, str]:
    """One request of the page -> (the 28 x 28 image as HTML, top-3 for the label, the message)."""
    try:
        reading = classify(model, read_upload(payload), threshold)
    except ImageFileError as err:
        return "", None, f"**Could not classify:** {html.escape(str(err))}"
    preview = (
        f'<img id="fmnist-seen" alt="the 28 x 28 image the model sees" src="{image_data_url(reading.image)}" '
        'width="224" height="224" style="image-rendering: pixelated; border: 1px solid #888">'
    )
    name, probability = reading.ranked[0]
    message = f"**Prediction: {name}** ({probability:.1%})"
    if reading.note:
        message += f"\n\n{reading.note}"
    return preview, dict(reading.ranked), message


_INPUT_HTML = """
<div class="fmnist-input">
  <p><label>Upload a photo of a garment: <input type="file" id="fmnist-file" accept="image/*"></label></p>
  <img id="fmnist-photo" alt="the chosen photo, shown by the browser only" hidden>
  <p>or draw one (light strokes on black, as in Fashion-MNIST); each stroke updates the prediction:</p>
  <canvas id="fmnist-canvas" width="280" height="280"></canvas>
  <p><button type="button" id="fmnist-clear">Clear the drawing</button></p>
</div>
"""

_INPUT_CSS = """
#fmnist-photo { max-width: 280px; max-height: 200px; border: 1px solid #888; }
#fmnist-canvas { border: 1px solid #888; touch-action: none; cursor: crosshair; background: black; }
"""

# Runs once in the browser: reads a chosen file (FileReader, in memory) or the canvas into a data
# URL and hands it to the server in the event's payload, never through Gradio's upload route.
_INPUT_JS = """
const fileInput = element.querySelector('#fmnist-file');
const canvas = element.querySelector('#fmnist-canvas');
const photo = element.querySelector('#fmnist-photo');
const pen = canvas.getContext('2d');
let drawing = false;
function clear() { pen.fillStyle = 'black'; pen.fillRect(0, 0, canvas.width, canvas.height); }
function send(message) { props.value = JSON.stringify(message); trigger('classify'); }
function point(event) {
  const box = canvas.getBoundingClientRect();
  return [(event.clientX - box.left) * canvas.width / box.width,
          (event.clientY - box.top) * canvas.height / box.height];
}
clear();
fileInput.addEventListener('change', () => {
  const file = fileInput.files[0];
  if (!file) return;
  const message = {name: file.name, size: file.size, data: null};
  if (photo.src) URL.revokeObjectURL(photo.src);
  photo.src = URL.createObjectURL(file);  // the browser's own copy: nothing leaves for this preview
  photo.hidden = false;
  if (file.size === 0 || file.size > MAX_BYTES) { fileInput.value = ''; send(message); return; }
  const reader = new FileReader();
  reader.onload = () => { message.data = reader.result; fileInput.value = ''; send(message); };
  reader.onerror = () => { message.error = String(reader.error); fileInput.value = ''; send(message); };
  reader.readAsDataURL(file);
});
canvas.addEventListener('pointerdown', (event) => {
  drawing = true;
  canvas.setPointerCapture(event.pointerId);
  pen.strokeStyle = 'white'; pen.lineWidth = 22; pen.lineCap = 'round'; pen.lineJoin = 'round';
  pen.beginPath(); pen.moveTo(...point(event)); pen.lineTo(...point(event)); pen.stroke();
});
canvas.addEventListener('pointermove', (event) => {
  if (!drawing) return;
  pen.lineTo(...point(event)); pen.stroke();
});
canvas.addEventListener('pointerup', () => {
  if (!drawing) return;
  drawing = false;
  send({name: 'the drawing', size: null, data: canvas.toDataURL('image/png')});
});
element.querySelector('#fmnist-clear').addEventListener('click', clear);
"""


def build_page(
    model: torch.nn.Module,
    title: str = "fmnist: a fully-connected net on Fashion-MNIST",
    threshold: float | None = None,
) -> gradio.Blocks:
    """The Gradio page around ``model`` (in eval mode); its low-confidence note below ``threshold``
    (default: `validation_threshold`). Raises `ImportError` naming the extra."""
    try:
        import gradio as gr
    except ImportError as err:
        raise ImportError(INSTALL_HINT) from err

    model.eval()
    threshold = validation_threshold(model) if threshold is None else threshold
    about = getattr(model, "metadata", {}) or {}
    named = (
        f"`{about['recipe']}` ({type(model).__name__})"
        if about.get("recipe")
        else f"`{type(model).__name__}`"
    )
    accuracy = about.get("test_accuracy")
    with gr.Blocks(title=title, analytics_enabled=False) as page:
        gr.Markdown(
            f"# {title}\n"
            f"Model: {named}"
            + (f", {accuracy:.2%} on Fashion-MNIST's test set" if accuracy else "")
            + ". It sees a 28 x 28 grayscale image: your photo is converted (grayscale, inverted when "
            "the background is light, cropped to the garment, scaled, centred) and shown as the model "
            "sees it. Uploads stay in memory: nothing is stored."
        )
        with gr.Row():
            with gr.Column():
                gr.Markdown("### Your garment")
                pad = gr.HTML(
                    value="",
                    html_template=_INPUT_HTML,
                    css_template=_INPUT_CSS,
                    js_on_load=f"const MAX_BYTES = {MAX_UPLOAD_BYTES};\n{_INPUT_JS}",
                    elem_id="fmnist-pad",
                )
            with gr.Column():
                gr.Markdown("### What the model sees (28 x 28)")
                seen = gr.HTML(value="", js_on_load=None, elem_id="fmnist-seen-box")
                top = gr.Label(num_top_classes=TOP, label=f"top {TOP} classes", elem_id="fmnist-top")
                message = gr.Markdown("Upload a photo or draw a garment.", elem_id="fmnist-message")
        pad.classify(
            lambda payload: respond(model, payload, threshold), inputs=pad, outputs=[seen, top, message]
        )
    return page


def serve(
    model: torch.nn.Module, host: str = "127.0.0.1", port: int | None = None, *, block: bool = True
) -> gradio.Blocks:
    """Build the page and serve it on ``host:port`` (127.0.0.1 by default; with no port, Gradio's
    7860 or the next free one). ``block=False`` returns at once (for a notebook); `OSError` if the
    port is taken."""
    import gradio as gr

    page = build_page(model)
    page.launch(
        server_name=host,
        server_port=port,
        prevent_thread_lock=not block,
        max_file_size=1,  # closes Gradio's upload route (it stores files on disk); the page never uses it
        ssr_mode=False,
        footer_links=[],
        theme=gr.themes.Default(font=["system-ui", "sans-serif"], font_mono=["monospace"]),  # no web fonts
        quiet=False,
    )
    return page
