"""The search rule shared by the people list and ``crb people --search``, and the in-memory
index the list answers keystrokes from (checked against a plain scan)."""

from __future__ import annotations

from array import array

from hypothesis import given, settings
from hypothesis import strategies as st

from crb_tui.store.search import SearchIndex, fold, narrows, terms


def test_fold_ignores_case_accents_and_decorated_letters() -> None:
    assert fold("José ÅNGSTRÖM") == "jose angstrom"
    assert fold("Straße") == "strasse"
    assert fold("𝐉𝐨𝐬𝐞 ℌans") == "jose hans"  # letter-like symbols from decorated profile names
    assert fold("東京 李") == "東京 李"  # no accent to take off: left as they are
    # Latin letters with a stroke NFKD leaves whole, read as their base letter
    assert fold("Łukasz Søren ØRJAN Đorđe Ærø") == "lukasz soren orjan dorde aero"
    assert fold("two\nlines") == "two lines"


def test_terms_and_narrowing() -> None:
    assert terms("  Ann  ACME ann ") == ["acme", "ann"]
    assert narrows(["an"], ["ann"]) and narrows(["ann", "ac"], ["acme", "anna"])
    assert not narrows(["ann"], ["an"]) and not narrows(["bo"], ["ann"])


WORDS = ["ann", "anna", "bo", "acme", "josé", "jose", "lee", "zed", "ab", "ba", ""]


@settings(max_examples=60, deadline=None)
@given(
    docs=st.lists(st.lists(st.sampled_from(WORDS), max_size=4), min_size=1, max_size=40),
    searches=st.lists(st.text(alphabet="abnejosézcl ", max_size=6), min_size=1, max_size=12),
    shuffle=st.randoms(use_true_random=False),
)
def test_the_index_finds_exactly_what_a_plain_scan_finds(
    docs: list[list[str]], searches: list[str], shuffle: object
) -> None:
    texts = {pid: fold(" ".join(words)) for pid, words in enumerate(docs, start=1)}
    ids = array("q", sorted(texts))
    index = SearchIndex(ids, [texts[pid] for pid in ids])
    order = array("q", ids)
    for n, search in enumerate(searches):
        if n == len(searches) // 2:  # another sort half way through
            shuffled = list(order)
            shuffle.shuffle(shuffled)  # type: ignore[attr-defined]
            order = array("q", shuffled)
        index.reorder(order)
        words = terms(search)
        expected = [pid for pid in order if all(w in texts[pid] for w in words)]
        found = index.find(search)
        assert list(found[0:len(found)]) == expected, (search, words)
        assert len(found) == len(expected)
