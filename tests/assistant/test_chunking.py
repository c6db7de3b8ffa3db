from hypothesis import given
from hypothesis import strategies as st

from assistant.chunking import segment_chunks, split_sentences, split_text, text_chunks
from assistant.types import Segment


def test_sentences_keep_decimals_and_money() -> None:
    assert split_sentences("Revenue was $4.2 billion in Q1. Margins rose 1.5 points.") == [
        "Revenue was $4.2 billion in Q1.",
        "Margins rose 1.5 points.",
    ]


def test_paragraphs_are_grouped_up_to_the_limit() -> None:
    text = "First para.\n\nSecond para.\n\n" + "Third. " * 40
    pieces = split_text(text, max_chars=120)
    assert pieces[0].startswith("First para.\n\nSecond para.")
    assert all(len(p) <= 120 for p in pieces)
    assert "".join(pieces).count("Third.") == 40


def test_text_chunks_carry_page() -> None:
    chunks = text_chunks("A page of text.", path="r.pdf", source_id="s1", kind="pdf", max_chars=500, page=7)
    assert [(c.locator.page, c.locator.path, c.source_id) for c in chunks] == [(7, "r.pdf", "s1")]


def test_segments_cut_near_target_and_at_speaker_change() -> None:
    segs = [Segment(i * 10.0, i * 10.0 + 10.0, f"s{i}.", "CEO" if i < 4 else "CFO") for i in range(10)]
    chunks = segment_chunks(segs, path="call.wav", source_id="s", target_seconds=45)
    spans = [(c.locator.start, c.locator.end, c.locator.speaker) for c in chunks]
    assert spans == [(0.0, 40.0, "CEO"), (40.0, 80.0, "CFO"), (80.0, 100.0, "CFO")]
    assert chunks[0].text == "s0. s1. s2. s3."


@given(st.lists(st.floats(min_value=0.1, max_value=30.0), min_size=1, max_size=60))
def test_segment_chunks_cover_all_segments_in_order(lengths: list[float]) -> None:
    segs, t = [], 0.0
    for i, length in enumerate(lengths):
        segs.append(Segment(t, t + length, f"w{i}"))
        t += length
    chunks = segment_chunks(segs, path="a", source_id="s", target_seconds=45)
    assert " ".join(c.text for c in chunks).split() == [f"w{i}" for i in range(len(lengths))]
    assert all(a.locator.end <= b.locator.start for a, b in zip(chunks, chunks[1:]))


@given(st.text(max_size=3000), st.integers(min_value=200, max_value=2000))
def test_split_text_bounds_and_keeps_words(text: str, limit: int) -> None:
    pieces = split_text(text, limit)
    assert all(len(p) <= limit for p in pieces)
    assert "".join("".join(pieces).split()) == "".join(text.split())


def test_an_endless_sentence_is_cut_between_words() -> None:
    # one "sentence" longer than a chunk (no sentence end in it): each cut falls on a space, no word is split
    text = " ".join("A" * n for n in [1] * 9 + [4] + [5] * 5 + [7] * 2 + [8] * 4 + [9, 10, 10] + [12] * 15)
    pieces = split_text(text, 200)
    assert all(len(p) <= 200 for p in pieces)
    assert [w for p in pieces for w in p.split()] == text.split()
    assert len(pieces) == 2


def test_a_word_longer_than_a_chunk_is_still_cut_to_the_limit() -> None:
    pieces = split_text("x" * 450, 200)
    assert [len(p) for p in pieces] == [200, 200, 50]
