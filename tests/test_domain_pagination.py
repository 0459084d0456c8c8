"""Cursors round-trip any key and reject anything the server did not issue."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pixelwise.domain.errors import InvalidInput
from pixelwise.domain.pagination import decode_cursor, encode_cursor


@given(st.one_of(st.integers(min_value=-(2**63), max_value=2**63), st.text(max_size=200)))
def test_cursor_round_trips(key: int | str) -> None:
    assert decode_cursor(encode_cursor(key)) == key


@given(st.text(max_size=100))
def test_arbitrary_text_is_a_clean_error_or_a_key(junk: str) -> None:
    outcome: object
    try:
        outcome = decode_cursor(junk)
    except InvalidInput as error:
        outcome = error.extra["field"]
        assert outcome == "cursor"
    assert outcome is None or isinstance(outcome, int | str)


def test_empty_cursor_means_start() -> None:
    assert decode_cursor(None) is None
    assert decode_cursor("") is None


@pytest.mark.parametrize("bad", ["%%%", "e30", "eyJhZnRlciI6dHJ1ZX0", "bnVsbA"])
def test_wellformed_but_foreign_cursors_are_refused(bad: str) -> None:
    with pytest.raises(InvalidInput):
        decode_cursor(bad)
