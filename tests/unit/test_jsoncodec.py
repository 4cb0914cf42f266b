"""Stored JSON is read back with exactly the values the standard decoder gives."""

from __future__ import annotations

import json
import math
import random
import struct

import pytest

from core import jsoncodec

EDGES = [
    "123456789012345678901234567890",  # past 64 bits: orjson alone would give a float
    "-98765432109876543210",
    "18446744073709551615",
    "9223372036854775807",
    '{"msisdn": "+33612345678901234567", "n": 1}',
    "1e400",
    "-0.0",
    "0.1",
    "5e-324",
    "1.7976931348623157e308",
    '"\\ud800"',  # a lone surrogate, which SQLite's text may hold
    '"caf\\u00e9 \\ud83d\\ude00"',
    '{"a": [1, 2.5, true, null, {"b": "x"}], "z": {}}',
]


@pytest.mark.parametrize("text", EDGES)
def test_edges_decode_as_the_standard_decoder_does(text: str) -> None:
    for form in (text, text.encode()):
        got, want = jsoncodec.loads(form), json.loads(form)
        assert repr(got) == repr(want) and type(got) is type(want)


def test_random_numbers_decode_to_the_same_values() -> None:
    generator = random.Random(20)
    floats: list[float] = []
    while len(floats) < 5_000:
        value = struct.unpack("<d", generator.randbytes(8))[0]
        if math.isfinite(value):
            floats.append(value)
    floats += [round(generator.uniform(-1e6, 1e6), generator.randint(0, 6)) for _ in range(5_000)]
    small = [generator.randint(-(2**63), 2**63 - 1) for _ in range(5_000)]
    large = [generator.choice((-1, 1)) * generator.randint(2**64, 2**80) for _ in range(5_000)]
    for numbers in (floats, small, large):
        text = json.dumps({"prices": numbers})
        for form in (text, text.encode()):
            decoded = jsoncodec.loads(form)["prices"]
            assert [(type(v), repr(v)) for v in decoded] == [(type(v), repr(v)) for v in numbers]


@pytest.mark.parametrize("text", [t for t in EDGES if t not in ("1e400", '"\\ud800"')])
def test_what_is_written_reads_back_as_the_standard_encoder_writes_it(text: str) -> None:
    value = json.loads(text)
    assert json.loads(jsoncodec.dumps(value)) == json.loads(json.dumps(value))
    assert repr(json.loads(jsoncodec.dumps(value))) == repr(value)


def test_an_integer_past_64_bits_is_written_exactly() -> None:
    value = {"n": 2**80 + 1, "m": [-(2**70)]}
    assert jsoncodec.loads(jsoncodec.dumps(value)) == value
    with pytest.raises(TypeError):
        jsoncodec.dumps({"price": object()})  # what neither encoder writes stays an error
