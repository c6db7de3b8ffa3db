"""Property tests (hypothesis) of the parsers everything else trusts: the chunker, locators and their
store round trip, citation parsing and verification, number normalisation, and the settings loader.
Complements the examples and properties in tests/assistant (split_text bounds, segment coverage,
verify never crashing, format_number, workspace names)."""

from __future__ import annotations

import json
import re
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings as hsettings, strategies as st

from assistant.chunking import Block, block_chunks, split_sentences, table_pieces
from assistant.citations import cited_numbers, verify
from assistant.errors import SettingsError
from assistant.numbers import format_number, numbers_in, parse_number, same_number
from assistant.settings import Settings, load_settings
from assistant.store import chunk_from, _chunk_metadata
from assistant.types import Chunk, Evidence, Locator, Span

words = st.text(alphabet=string.ascii_letters, min_size=1, max_size=12)
prose = st.lists(words, min_size=1, max_size=60).map(" ".join)
finite = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False)


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


# -- chunker ----------------------------------------------------------------------------------------
@given(st.text(max_size=2000))
def test_split_sentences_loses_no_character(text: str):
    assert _squash("".join(split_sentences(text))) == _squash(text)


@st.composite
def documents(draw):
    blocks = []
    for page in range(1, draw(st.integers(1, 4)) + 1):
        for section in draw(st.lists(st.sampled_from(["", "Item 7", "Risk"]), min_size=1, max_size=3)):
            if draw(st.booleans()):
                rows = tuple(draw(st.lists(prose.map(lambda s: s.replace(" ", " | ", 2)), min_size=1, max_size=12)))
                blocks.append(Block(rows=rows, header=("Item | 2024 | 2023",), section=section, page=page))
            else:
                blocks.append(Block(text=draw(prose), section=section, page=page))
    return blocks


@hsettings(max_examples=80, suppress_health_check=[HealthCheck.too_slow])
@given(documents(), st.integers(min_value=200, max_value=900))
def test_block_chunks_keep_every_word_on_its_page_within_the_limit(blocks: list[Block], limit: int):
    chunks = block_chunks(blocks, path="/d.pdf", source_id="s", kind="pdf", max_chars=limit, title="Doc")
    for page in {b.page for b in blocks}:
        want = [w for b in blocks if b.page == page for w in (b.text.split() or " ".join(b.rows).split())]
        got = [w for c in chunks if c.locator.page == page for w in c.text.split() if w not in ("Item", "|", "2024", "2023")]
        assert [w for w in want if w != "|"] == got
    for chunk in chunks:
        rows = chunk.text.split("\n")
        longest_row = max(len(r) for r in rows)
        assert len(chunk.text) <= limit or longest_row + len("Item | 2024 | 2023") + 1 >= len(chunk.text)
        assert chunk.context.startswith("Doc") and f"page {chunk.locator.page}" in chunk.context


@given(st.lists(prose, max_size=30), st.integers(min_value=40, max_value=400))
def test_table_pieces_hold_every_row_once_under_the_header(rows: list[str], limit: int):
    pieces = table_pieces(["H1 | H2"], rows, limit)
    body = [line for p in pieces for line in p.split("\n")[1:]]
    assert body == rows and all(p.startswith("H1 | H2") for p in pieces)


# -- locators -----------------------------------------------------------------------------------------
coords = st.floats(min_value=0, max_value=1e5, allow_nan=False)
locators = st.builds(
    Locator,
    path=st.text(min_size=1, max_size=40).filter(lambda s: "\x00" not in s),
    page=st.none() | st.integers(1, 10_000),
    start=st.none() | coords,
    end=st.none() | coords,
    speaker=st.none() | st.text(min_size=1, max_size=20),
    bbox=st.none() | st.tuples(coords, coords, coords, coords),
)


@given(locators)
def test_locator_json_round_trip_and_label(loc: Locator):
    data = json.loads(json.dumps(loc.to_dict()))
    back = Locator.from_dict(data)
    assert back.path == loc.path and back.page == loc.page and (back.speaker or None) == (loc.speaker or None)
    for a, b in ((back.start, loc.start), (back.end, loc.end)):
        assert (a is None) == (b is None) and (a is None or abs(a - b) <= 0.005 + 1e-9 * b)
    assert isinstance(loc.label(), str) and loc.label()


@given(locators, st.text(min_size=1, max_size=200), st.text(max_size=40), st.lists(st.tuples(st.integers(0, 50), st.integers(0, 50)), max_size=4))
def test_chunk_survives_the_store_metadata_round_trip(loc: Locator, text: str, context: str, bounds):
    spans = tuple(Span(min(a, b), max(a, b), Locator(path=loc.path, start=float(a), end=float(max(a, b)))) for a, b in bounds)
    chunk = Chunk(text=text, locator=loc, source_id="abc123", kind="pdf", spans=spans, context=context)
    meta = _chunk_metadata(chunk)
    assert all(isinstance(v, (str, int, float, bool)) for v in meta.values())  # what Chroma accepts
    assert chunk_from(text, meta) == chunk


# -- citations and numbers ----------------------------------------------------------------------------
@given(st.lists(st.tuples(prose, st.lists(st.integers(1, 99), min_size=0, max_size=3)), min_size=1, max_size=8))
def test_cited_numbers_in_first_appearance_order(parts):
    text = " ".join(f"{words} [{', '.join(map(str, ns))}]." if ns else f"{words}." for words, ns in parts)
    expected = list(dict.fromkeys(n for _, ns in parts for n in ns))
    assert cited_numbers(text) == expected
    assert cited_numbers(text.replace("[", "(").replace("]", ")")) == []


@given(st.lists(st.tuples(prose, finite), min_size=1, max_size=6), st.integers(1, 50))
def test_verify_accepts_faithful_quotes_and_flags_missing_evidence(facts, bogus):
    evidence = [Evidence(i, f"{w.capitalize()} was {format_number(v)} units.", f"s{i}", Locator(f"/{i}.txt"), 1.0)
                for i, (w, v) in enumerate(facts, start=1)]
    faithful = " ".join(f"{e.text[:-1]} [{e.n}]." for e in evidence)
    citations, problems = verify(faithful, evidence)
    assert problems == [] and [c.n for c in citations] == [e.n for e in evidence]
    assume(bogus > len(evidence))
    _, problems = verify(f"{faithful} Other claims hold [{bogus}].", evidence)
    assert f"citation [{bogus}] points to no evidence" in problems


@given(finite)
def test_written_numbers_read_back(value: float):
    text = format_number(value)
    assert same_number(parse_number(text), float(text.replace(",", "")))
    assert abs(parse_number(text) - value) <= 0.005 + 1e-12 * abs(value)
    found = numbers_in(f"Revenue was ${text} million [3] in 2024.")
    assert len(found) == 2 and same_number(found[0], parse_number(text)) and found[1] == 2024.0


@given(st.integers(min_value=0, max_value=10**12))
def test_accounting_negatives_and_separators(value: int):
    assert parse_number(f"({value:,})") == -value
    assert parse_number(f"−{value:,}") == -value and parse_number(f"${value:,}%") == value


@given(st.text(max_size=200))
def test_numbers_in_never_reads_a_citation_marker(text: str):
    assume("987654" not in text)
    assert 987654.0 not in numbers_in(text + " [987654]") and 987654.0 not in numbers_in(f"[1, 987654] {text}")


# -- settings loader ----------------------------------------------------------------------------------
FIELDS = sorted(Settings.model_fields)


@hsettings(max_examples=150)
@given(st.dictionaries(st.sampled_from(FIELDS), st.text(max_size=30), max_size=4))
def test_any_environment_gives_settings_or_one_settings_error(values: dict[str, str]):
    environ = {f"MODALYST_{k.upper()}": v for k, v in values.items() if "\x00" not in v}
    try:
        loaded = load_settings(environ=environ, cwd=Path("/nonexistent"))
    except SettingsError as exc:
        message = str(exc)
        assert "\n" not in message and message.startswith("setting ")
        assert any(f in message for f in values)
    else:
        assert isinstance(loaded, Settings)


@given(st.integers(1, 50), st.integers(1, 50), st.integers(1, 50), st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_-]{0,20}", fullmatch=True))
def test_overrides_beat_env_beat_file(file_k: int, env_k: int, override_k: int, workspace: str):
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "modalyst.toml").write_text(f'top_k = {file_k}\nworkspace = "{workspace}"\n')
        environ = {"MODALYST_TOP_K": str(env_k)}
        assert load_settings(cwd=Path(folder), environ={}).top_k == file_k
        assert load_settings(cwd=Path(folder), environ=environ).top_k == env_k
        chosen = load_settings({"top_k": override_k}, cwd=Path(folder), environ=environ)
        assert chosen.top_k == override_k and chosen.workspace == workspace


@pytest.mark.parametrize("value", ["0", "-1", "51", "six", "1e3"])
def test_out_of_range_top_k_names_the_field(value: str):
    with pytest.raises(SettingsError, match=rf"setting top_k='{re.escape(value)}' is invalid"):
        load_settings(environ={"MODALYST_TOP_K": value}, cwd=Path("/nonexistent"))
