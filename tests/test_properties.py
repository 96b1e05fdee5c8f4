"""Property-based tests (hypothesis): input validation never fails in an unexpected way."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from fmnist.evaluate import as_image_batch, predict
from fmnist.models import build_model

torch.manual_seed(0)
MODEL = build_model("seed_small").eval()

dims = st.sampled_from([0, 1, 2, 3, 27, 28, 29, 784])
shapes = st.lists(dims, min_size=0, max_size=4).map(tuple)
dtypes = st.sampled_from([np.uint8, np.int16, np.int64, np.float16, np.float32, np.float64, np.bool_])


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_predict_either_answers_correctly_or_raises_value_error(data):
    shape = data.draw(shapes.filter(lambda s: int(np.prod(s)) <= 3 * 784))
    dtype = data.draw(dtypes)
    images = data.draw(arrays(dtype, shape))
    try:
        result = predict(MODEL, images)
    except ValueError as err:
        assert str(err)  # the message says what is wrong
        return
    n = result.labels.shape[0]
    assert n >= 1 and result.probabilities.shape == (n, 10)
    assert torch.allclose(result.probabilities.sum(dim=1), torch.ones(n), atol=1e-5)


@settings(max_examples=100, deadline=None)
@given(
    n=st.integers(1, 4),
    low=st.floats(-2, 2, allow_nan=False, width=32),
    high=st.floats(-2, 2, allow_nan=False, width=32),
)
def test_float_images_are_accepted_exactly_when_inside_zero_one(n, low, high):
    images = torch.full((n, 28, 28), low)
    images[:, 0, 0] = high
    inside = min(low, high) >= 0.0 and max(low, high) <= 1.0
    if inside:
        assert as_image_batch(images).shape == (n, 28, 28)
    else:
        with pytest.raises(ValueError, match=r"\[0, 1\]"):
            as_image_batch(images)


@settings(max_examples=50, deadline=None)
@given(n=st.integers(1, 5), layout=st.sampled_from(["nhw", "n1hw", "flat"]))
def test_every_accepted_layout_gives_the_same_prediction(n, layout):
    base = torch.randint(0, 256, (n, 28, 28), dtype=torch.uint8, generator=torch.Generator().manual_seed(n))
    shaped = {"nhw": base, "n1hw": base.unsqueeze(1), "flat": base.reshape(n, 784)}[layout]
    assert torch.equal(predict(MODEL, shaped).labels, predict(MODEL, base).labels)
