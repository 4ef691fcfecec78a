import re

import pytest

from widgets_lib import identity


def test_new_codes_are_long_random_and_unambiguous():
    codes = {identity.new_code() for _ in range(2000)}
    assert len(codes) == 2000
    for code in list(codes)[:50]:
        assert re.fullmatch(
            r"[346789ABCDEFGHJKMNPQRTUVWXY]{4}(-[346789ABCDEFGHJKMNPQRTUVWXY]{4}){2}", code
        )
    assert len(identity.ALPHABET) ** identity.CODE_LENGTH > 2**55


@pytest.mark.parametrize("typed", ["k7pm 3xqa 9tre", "K7PM3XQA9TRE", " k7pm-3xqa-9tre\n"])
def test_typed_codes_are_normalised(typed):
    assert identity.normalise_code(typed) == "K7PM-3XQA-9TRE"


@pytest.mark.parametrize(
    "typed, words",
    [
        ("", "Please type"),
        ("K7PM-3XQA", "this one has 8"),
        ("K7PM-3XQA-9TR0", "'0'"),
        ("<script>alert(1)</script>", "has"),
    ],
)
def test_bad_codes_get_one_clear_message(typed, words):
    with pytest.raises(identity.CodeError, match=re.escape(words)):
        identity.normalise_code(typed)


def test_codes_are_stored_only_as_hashes():
    code = identity.new_code()
    key = identity.code_key(code)
    assert code not in key and code.replace("-", "") not in key
    assert key == identity.code_key(code.lower())
    assert key != identity.hub_key(code)
    assert re.fullmatch(r"[0-9a-f]{64}", key)


def test_code_from_query():
    assert identity.code_from_query("learner=AB&x=1") == "AB"
    assert identity.code_from_query("?x=1") is None
    assert identity.code_from_query("") is None
