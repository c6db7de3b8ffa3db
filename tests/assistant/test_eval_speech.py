from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.errors import BadInputError
from assistant.evaluation.speech import (
    is_speech_suite,
    join_compounds,
    normalise_text,
    number_words,
    read_manifest,
    run_speech_suite,
    word_error_rate,
)
from assistant.settings import Settings
from tools.transcribe import FakeTranscriber

DATA = Path(__file__).resolve().parents[1] / "data"
SHORT_SECONDS = 69503 / 16_000


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Thanks, Inge, and good morning, everyone", "thanks inge and good morning everyone"),
        ("organic growth of 4.6%", "organic growth of four point six percent"),
        ("25 to 30 year", "twenty five to thirty year"),
        ("twenty-five percent", "twenty five percent"),
        ("sales of $7.7 billion", "sales of seven point seven billion dollars"),
        ("$1,250", "one thousand two hundred fifty dollars"),
        ("U.S. sales", "us sales"),
        ("the 21st and 3rd quarters", "the twenty first and third quarters"),
        ("Don’t  stop\n& go", "do not stop and go"),
        ("there'll be, they're, we've, I'm, won't, can't, cannot", "there will be they are we have i am will not can not can not"),
        ("3M’s sales, I’d say", "three ms sales id say"),
        ("  ", ""),
        ("$0.40 to $0.45 per share", "forty to forty five cents per share"),
        ("40 to 45 cents per share", "forty to forty five cents per share"),
        ("a 5 to 10 cent range", "a five to ten cents range"),
        ("between 2% and 5%", "between two and five percent"),
        ("$300 million to $500 million", "three hundred to five hundred million dollars"),
        ("$300 to $500 million dollars", "three hundred to five hundred million dollars"),
        ("a $600 million dollar investment", "a six hundred million dollars investment"),
        ("$2.16 per share", "two point one six dollars per share"),
        ("Healthcare and health care", "health care and health care"),
    ],
)
def test_normalise_text(text, expected):
    assert normalise_text(text) == expected


@pytest.mark.parametrize(
    ("n", "words"),
    [(0, "zero"), (13, "thirteen"), (40, "forty"), (101, "one hundred one"), (2017, "two thousand seventeen"),
     (3_000_000, "three million")],
)  # fmt: skip
def test_number_words(n, words):
    assert number_words(n) == words


@given(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=60))
def test_normalise_is_idempotent_and_plain(text):
    once = normalise_text(text)
    assert normalise_text(once) == once
    assert all(ch.isalpha() and ch.islower() or ch == " " for ch in once)


def test_word_error_rate_counts_over_the_corpus():
    assert word_error_rate(["a b c d"], ["a b x d"]) == 0.25
    assert word_error_rate(["Growth was 4.6%."], ["growth was four point six percent"]) == 0.0
    # Two items: 1 error in 4 words + 2 errors in 2 words = 3 / 6.
    assert word_error_rate(["a b c d", "e f"], ["a b c", "g h"]) == 0.5


def test_join_compounds_joins_only_what_the_other_side_writes_closed():
    assert join_compounds("re stocking and wildcard", "restocking and wild card") == (
        "restocking and wildcard", "restocking and wildcard")
    # Too short to be a compound ("in to"/"into"), or not written closed on the other side: unchanged.
    assert join_compounds("sell in to them", "sell into them") == ("sell in to them", "sell into them")
    assert join_compounds("first quarter", "first quarter") == ("first quarter", "first quarter")


def test_word_error_rate_scores_compound_spellings_and_contractions_alike():
    assert word_error_rate(["Company-wide re-stocking; there'll be a wildcard."],
                           ["Companywide restocking, there will be a wild card."]) == 0.0
    assert word_error_rate(["a company wide push"], ["a company push"]) == 0.25


def test_word_error_rate_needs_a_reference():
    with pytest.raises(BadInputError, match="no non-empty reference"):
        word_error_rate(["..."], ["hello"])


def _suite(tmp_path: Path, references: list[str]) -> Path:
    suite = tmp_path / "speech"
    suite.mkdir()
    rows = []
    for i, reference in enumerate(references):
        shutil.copy(DATA / "speech_short.flac", suite / f"clip{i}.flac")
        rows.append({"id": f"c{i}", "audio": f"clip{i}.flac", "reference": reference})
    (suite / "manifest.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return suite


def test_is_speech_suite(tmp_path):
    assert is_speech_suite(_suite(tmp_path, ["hello"]))
    assert not is_speech_suite(tmp_path / "nowhere")
    other = tmp_path / "other"
    other.mkdir()
    (other / "manifest.jsonl").write_text(json.dumps({"id": 1, "image": "x.png", "question": "?"}) + "\n")
    assert not is_speech_suite(other)
    (other / "manifest.jsonl").write_text("not json\n")
    assert not is_speech_suite(other)


def test_bad_manifest_row_names_the_line(tmp_path):
    suite = _suite(tmp_path, ["hello"])
    with (suite / "manifest.jsonl").open("a") as handle:
        handle.write(json.dumps({"audio": "clip0.flac"}) + "\n")
    with pytest.raises(BadInputError, match=r"manifest\.jsonl:2: a speech manifest row needs 'audio' and 'reference'"):
        read_manifest(suite)


def test_run_speech_suite_with_the_fake(tmp_path):
    suite = _suite(tmp_path, [FakeTranscriber.TEXT, "this was a fake transcript"])
    result = run_speech_suite(suite, FakeTranscriber(Settings()), limit=None)
    assert result["n"] == 2
    assert [item["wer"] for item in result["items"]] == [0.0, 0.2]
    assert result["wer"] == pytest.approx(1 / 10)
    assert result["items"][0]["audio_seconds"] == pytest.approx(SHORT_SECONDS)
    assert result["items"][1]["hypothesis"] == FakeTranscriber.TEXT
    assert 0.0 < result["rtf"] < 1.0


def test_run_speech_suite_limit(tmp_path):
    suite = _suite(tmp_path, ["one", "two", "three"])
    result = run_speech_suite(suite, FakeTranscriber(Settings()), limit=2)
    assert result["n"] == 2
    assert [item["id"] for item in result["items"]] == ["c0", "c1"]
    assert result["wer"] == 5.0  # one substitution and four insertions per one-word reference


def test_run_speech_suite_missing_audio_is_bad_input(tmp_path):
    suite = _suite(tmp_path, ["hello"])
    (suite / "clip0.flac").unlink()
    with pytest.raises(BadInputError, match=r"clip0\.flac: audio file not found"):
        run_speech_suite(suite, FakeTranscriber(Settings()))
