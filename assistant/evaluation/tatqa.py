"""TAT-QA suites: ``tatqa_dataset_*.json``, financial tables with their paragraphs and questions.

Every table and paragraph of the file goes into one workspace (``eval-tatqa``), one source per
table with its paragraphs (path ``tatqa://table/<uid>``, id a hash of the content, so a second run
reuses it; sources the suite no longer produces are removed, so a rerun equals a fresh workspace). A table is one chunk of rows ``label | 2019 | 2018`` (split with the header rows
repeated when it is long); a paragraph is one chunk at ``tatqa://paragraph/<uid>``.

Per question: ``hit@1`` / ``hit@3`` is whether the first chunk / one of the top 3 retrieved chunks is the question's own table
or one of its ``rel_paragraphs``; the answer comes from the product's embedded answerer (statement
figures, then the extractive answerer, which tries :func:`assistant.answerers.arithmetic.compute` first,
with the workspace's embedder ranking sentences) over the retrieved evidence (the whole workspace is
searched, so the right table must be found first). ``em`` and ``f1`` follow the TAT-QA metric
(:mod:`assistant.evaluation.metrics`): a computed answer is its value, with scale ``percent`` when
written as a percentage, else the scale word (thousand/million/billion) the cited evidence states;
a quoted answer is its text without citation marks; when the answerer gives the bare answer
(``Draft.values``: a cell, the clause of a sentence that answers) that is scored instead. For
arithmetic and count questions F1 equals EM. ``unsupported`` is the share of answers with a number
that is neither in the evidence they cite nor a shown computation (:func:`assistant.citations.verify`).
``wrong_cited`` / ``abstained`` (:mod:`assistant.evaluation.items`): cited answers not an exact match /
answers declined. ``split``: the tables of one half (by table uid), in a workspace of that half alone.

Example:
    >>> run(Path("../shared/eval/tatqa"), Settings(), limit=50)   # doctest: +SKIP
    (50, 'minilm+hybrid+extractive+arithmetic', {'em': ..., 'f1': ..., 'hit@3': ...})
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant.answerers.base import NOT_FOUND, Draft
from assistant.chunking import split_sentences
from assistant.citations import cited_numbers, verify
from assistant.numbers import numbers_in, parse_number
from assistant.errors import BadInputError
from assistant.evaluation.items import ItemRecord, confidence_metrics, record
from assistant.evaluation.metrics import exact_match, f1_score, hit_at_k, mean
from assistant.evaluation.split import select
from assistant.settings import Settings
from assistant.store import ChromaStore
from assistant.types import Chunk, Evidence, Locator, Source

logger = logging.getLogger(__name__)

WORKSPACE = "eval-tatqa"
PATTERN = "tatqa_dataset_*.json"
K = 3
RENDERING = 3  # bumped when render_table changes, so a workspace ingested the old way is ingested anew
_MARKS = re.compile(r"\s*\[\d+(?:\s*,\s*\d+)*\]")
_SCALE_WORDS = [
    ("thousand", re.compile(r"thousands?|['‘’]000|\b000s\b|\$000", re.I)),
    ("million", re.compile(r"\bmillions?\b|[$€£]\s?m\b|\b(?:usd|eur|gbp|rmb)\s?m\b|\bm[$€£]|[$€£] ?mn\b", re.I)),
    ("billion", re.compile(r"\bbillions?\b|\$bn?\b", re.I)),
]
_HEADER_ONLY = re.compile(r"[^\d]*(?:(?:19|20)\d{2}[^\d]*)*")
_INTRODUCES = re.compile(
    r"\b(?:table|following|below)\b|\bin (?:thousands|millions|billions)\b|\((?:\$|€|£)? ?(?:in )?(?:thousands|millions|billions)|['‘’]000",
    re.I,
)
_WRITTEN_SCALE = re.compile(r"\d\s?(?:thousand|million|billion)\b", re.I)
_YEAR_ONLY = re.compile(r"(?:19|20)\d{2}")
# a bare figure ("$1,496.5", "(18)", "7.6%"); words around a number ("within note 35") make it text, which has no scale
_BARE_FIGURE = re.compile(r"[^\w]*(?:approximately |about )?[$€£]?\s?\(?-?\d[\d,.]*\)?\s?%?[^\w]*", re.I)
# a count ("How many years did X exceed ...?") or a ratio has no scale word
_COUNT_QUESTION = re.compile(r"^\s*how many (?:fiscal |major |different |main )?(?:years|periods|quarters|items|line items|types|kinds|categories|segments|components|elements|classes|groups|factors)\b", re.I)
_RATIO_ANSWER = re.compile(r"^Ratio of ")
# per-share amounts and prices are stated as they are, never in the table's thousands or millions
_UNSCALED_QUESTION = re.compile(r"\bper (?:share|unit|(?:ordinary|common) share)\b|\bearnings per\b|\beps\b|\bprices?\b", re.I)
_WHEN = re.compile(r"\b(which|what) (fiscal )?(year|years|period|quarter)\b|\bwhen\b", re.I)


def read_items(suite_dir: Path) -> list[dict[str, Any]]:
    """The items (table, paragraphs, questions) of every ``tatqa_dataset_*.json`` in the folder."""
    items: list[dict[str, Any]] = []
    for path in sorted(suite_dir.glob(PATTERN)):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise BadInputError(f"{path}: not a TAT-QA file ({exc})") from exc
        if not isinstance(data, list) or not all("table" in x and "questions" in x for x in data):
            raise BadInputError(f"{path}: not a TAT-QA file (expected a list of {{table, paragraphs, questions}})")
        items.extend(data)
    if not items:
        raise BadInputError(f"{suite_dir}: no {PATTERN} with items")
    return items


def table_path(uid: str) -> str:
    return f"tatqa://table/{uid}"


def paragraph_path(uid: str) -> str:
    return f"tatqa://paragraph/{uid}"


def render_table(rows: Sequence[Sequence[str]], max_chars: int) -> list[str]:
    """Rows as ``a | b | c`` lines; a long table is split into pieces that each repeat its header rows.

    >>> render_table([["", "2019", "2018"], ["Sales", "5", "4"]], 1200)
    [' | 2019 | 2018\\nSales | 5 | 4']
    """
    lines = [" | ".join(" ".join(str(c).split()) for c in row) for row in rows if any(str(c).strip() for c in row)]
    heads = 0  # header rows: an empty first cell, or no figure but years ("(In millions) | 2019 | 2018")
    while heads < min(3, len(rows)) and (not str(rows[heads][0]).strip() or _HEADER_ONLY.fullmatch(" ".join(map(str, rows[heads][1:])))):
        heads += 1
    header, body = lines[:heads], lines[heads:]
    pieces: list[str] = []
    current = list(header)
    for line in body:
        if len(current) > len(header) and sum(len(x) + 1 for x in current) + len(line) > max_chars:
            pieces.append("\n".join(current))
            current = list(header)
        current.append(line)
    if current or not pieces:
        pieces.append("\n".join(current))
    return pieces


def table_context(paragraphs: Sequence[dict[str, Any]], max_chars: int = 400) -> str:
    """The sentences of a table's paragraphs that introduce it or state its units ("The table below
    presents net sales by contract type (in millions):"): the table chunk's context line.

    >>> table_context([{"text": "Sales grew. The following table shows sales (in millions):"}])
    'The following table shows sales (in millions):'
    """
    found = [s for p in paragraphs for s in split_sentences(str(p.get("text", ""))) if _INTRODUCES.search(s)]
    return " ".join(found)[:max_chars]


def item_source(item: dict[str, Any], max_chars: int) -> tuple[Source, list[Chunk]]:
    """One source per table with its paragraphs; the id is a hash of the item's content (and of
    :data:`RENDERING`)."""
    uid = item["table"]["uid"]
    content = json.dumps([RENDERING, item["table"], item.get("paragraphs", [])], sort_keys=True)
    source_id = hashlib.sha256(content.encode("utf-8")).hexdigest()[:16]
    context = table_context(item.get("paragraphs", []))
    chunks = [
        Chunk(text=text, locator=Locator(path=table_path(uid)), source_id=source_id, kind="table", context=context)
        for text in render_table(item["table"]["table"], max_chars)
    ]
    chunks += [
        Chunk(text=p["text"], locator=Locator(path=paragraph_path(p["uid"])), source_id=source_id, kind="text")
        for p in item.get("paragraphs", [])
        if p.get("text", "").strip()
    ]
    return Source(id=source_id, path=table_path(uid), kind="tatqa", chunks=len({c.id for c in chunks})), chunks


def ingest_items(store: ChromaStore, items: Sequence[dict[str, Any]], max_chars: int) -> int:
    """Add every item not yet in the store and remove every source these items no longer produce (a
    table rendered by an earlier :data:`RENDERING`, an edited suite), so a rerun searches what a fresh
    workspace would; returns how many were added."""
    present = {s.id for s in store.sources()}
    built = [item_source(item, max_chars) for item in items]
    wanted = {source.id for source, _ in built}
    stale = sorted(present - wanted)
    for source_id in stale:
        store.forget(source_id)
    if stale:
        logger.info("tatqa: removed %d sources the suite no longer produces", len(stale))
    present &= wanted
    added = 0
    for index, (source, chunks) in enumerate(built):
        if source.id in present:
            continue
        store.add_source(source, chunks)
        present.add(source.id)
        added += 1
        if added % 50 == 0:
            logger.info("tatqa: ingested %d/%d tables", index + 1, len(items))
    return added


def own_context(item: dict[str, Any], question: dict[str, Any]) -> set[str]:
    """Locator paths of a question's own table and its relevant paragraphs (``rel_paragraphs`` are orders)."""
    wanted = {str(x) for x in question.get("rel_paragraphs", [])}
    paths = {table_path(item["table"]["uid"])}
    paths |= {paragraph_path(p["uid"]) for p in item.get("paragraphs", []) if str(p.get("order")) in wanted}
    return paths


def own_evidence(item: dict[str, Any], question: dict[str, Any], max_chars: int) -> tuple[list[Evidence], dict[int, str]]:
    """A question's own context as numbered evidence, no retrieval: its table's pieces (as ingested, each
    with the table's context line in ``contexts``) then its ``rel_paragraphs``, in that order."""
    wanted = {str(x) for x in question.get("rel_paragraphs", [])}
    evidence: list[Evidence] = []
    contexts: dict[int, str] = {}
    context = table_context(item.get("paragraphs", []))
    for text in render_table(item["table"]["table"], max_chars):
        evidence.append(Evidence(len(evidence) + 1, text, "own", Locator(table_path(item["table"]["uid"])), 1.0))
        contexts[len(evidence)] = context
    for p in item.get("paragraphs", []):
        if str(p.get("order")) in wanted:
            evidence.append(Evidence(len(evidence) + 1, p["text"], "own", Locator(paragraph_path(p["uid"])), 1.0))
    return evidence, contexts


def _stated_scale(text: str) -> str:
    found = [(m.start(), name) for name, pattern in _SCALE_WORDS for m in [pattern.search(text)] if m]
    return min(found)[1] if found else ""


_PROSE_FIGURE = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s?(thousand|million|billion)\b", re.I)
_FACTORS = {"": 1.0, "thousand": 1e3, "million": 1e6, "billion": 1e9}


def prose_scale(answer: str, prose: Sequence[Evidence]) -> str | None:
    """The scale of an unlabelled table, read off prose that states one of its figures with a scale
    word: a cell of 24,193 and "$24.2 million of net income" make the table's unit thousands. None when
    no figure of the answer is restated that way.

    >>> prose_scale("Net income = 24,193 [1].", [Evidence(2, "It had $24.2 million of net income.", "s", Locator("p"), 1.0)])
    'thousand'
    """
    values = [abs(v) for v in numbers_in(_MARKS.sub(" ", answer)) if abs(v) >= 10 and not _YEAR_ONLY.fullmatch(f"{v:g}")]
    stated = [
        (abs(parse_number(m.group(1)) or 0.0), m.group(2).lower(), len(m.group(1).replace(",", "").split(".")[-1]) if "." in m.group(1) else 0)
        for e in prose
        for m in _PROSE_FIGURE.finditer(e.text)
    ]
    for value in values:
        for figure, word, decimals in stated:
            for unit, factor in _FACTORS.items():
                if unit == word or factor >= _FACTORS[word]:
                    continue
                scaled = value * factor / _FACTORS[word]  # the cell in the prose's unit
                if figure and round(scaled, decimals) == figure and scaled >= 1:
                    return unit
    return None


def evidence_scale(draft: Draft, evidence: Sequence[Evidence], contexts: dict[int, str] | None = None) -> str:
    """The scale word stated by the cited evidence (then by the sentences of the same sources that
    state a table's units, "amounts in the table below are in millions"), '' when none is stated; an
    evidence's context line (``contexts[n]``: the sentences introducing a table) counts with its text.
    A scale word elsewhere in the document ("$3.1 million on marketing") says nothing about an
    unlabelled table's unit, unless that prose restates one of the table's figures (:func:`prose_scale`)."""
    cited = set(cited_numbers(draft.text))
    sources = {e.source for e in evidence if e.n in cited}
    if sources:  # another document's units say nothing about the cited one's
        evidence = [e for e in evidence if e.source in sources]
    ordered = [e for e in evidence if e.n in cited] + [e for e in evidence if e.n not in cited]
    if ordered and cited and all(" | " not in e.text for e in evidence if e.n in cited):
        ordered = [e for e in evidence if e.n in cited]  # a figure quoted from prose: only its own words scale it
    elif cited and not any(_stated_scale(f"{e.text}\n{(contexts or {}).get(e.n, '')}") for e in ordered if e.n in cited):
        cells = {v for e in evidence if e.n in cited for v in numbers_in(e.text)}
        shown = " ".join(f"{v:g}" for v in numbers_in(_MARKS.sub(" ", draft.text)) if v in cells)  # the cells used
        inferred = prose_scale(shown, [e for e in evidence if e.n not in cited])
        if inferred is not None:
            return inferred
    for item in ordered:
        text = f"{item.text}\n{(contexts or {}).get(item.n, '')}"
        if cited and item.n not in cited:  # other prose of the document: only a sentence stating a table's units
            text = " ".join(s for s in split_sentences(item.text) if _INTRODUCES.search(s))
        found = [(m.start(), name) for name, pattern in _SCALE_WORDS for m in [pattern.search(text)] if m]
        if found:
            return min(found)[1]
    return ""


_QUALIFIED_SCALE = re.compile(r"\b([a-z]{4,})\s+in\s+(thousands|millions|billions)\b", re.I)
_UNQUALIFIED = {"amounts", "amount", "dollars", "figures", "numbers", "tabular", "expressed", "stated", "presented", "shown", "except", "table", "data"}


def qualified_scale(question: str, draft: Draft, evidence: Sequence[Evidence], contexts: dict[int, str] | None = None) -> str | None:
    """The scale the cited evidence states for what the question counts ("shares in thousands" beside
    "tabular amounts in millions", for a question about shares), else None.

    >>> table = Evidence(1, "Basic weighted average shares | 439,606", "s", Locator("t"), 1.0)
    >>> qualified_scale("What were the basic weighted average shares?", Draft("439,606 [1]."), [table], {1: "(Tabular amounts in millions) (shares in thousands)"})
    'thousand'
    """
    cited = set(cited_numbers(draft.text))
    asked = {w.lower().rstrip("s") for w in re.findall(r"[A-Za-z]+", question)}
    for e in evidence:
        if e.n not in cited:
            continue
        for m in _QUALIFIED_SCALE.finditer(f"{e.text}\n{(contexts or {}).get(e.n, '')}"):
            word = m.group(1).lower()
            if word not in _UNQUALIFIED and word.rstrip("s") in asked:
                return m.group(2).lower().rstrip("s")
    return None


def prediction(
    question: str, draft: Draft, evidence: Sequence[Evidence], contexts: dict[int, str] | None = None
) -> tuple[Any, str]:
    """The answer to score and its scale: a computed value, or the quoted text without marks."""
    value, scale = _prediction(question, draft, evidence, contexts)
    if scale in {"thousand", "million", "billion"}:
        scale = qualified_scale(question, draft, evidence, contexts) or scale
    return value, scale


def _prediction(
    question: str, draft: Draft, evidence: Sequence[Evidence], contexts: dict[int, str] | None = None
) -> tuple[Any, str]:
    if draft.text == NOT_FOUND:
        return "", ""
    if (draft.computed or draft.values) and _UNSCALED_QUESTION.search(question) and "%" not in draft.text:
        return (list(draft.values) if len(draft.values) > 1 else draft.values[0]) if draft.values else draft.computed[0], ""
    if draft.computed and (_COUNT_QUESTION.search(question) or _RATIO_ANSWER.match(draft.text)):
        return (list(draft.values) if len(draft.values) > 1 else draft.values[0]) if draft.values else draft.computed[0], ""
    if draft.values:  # the bare answer the answerer found (a cell, each of several spans)
        value: Any = list(draft.values) if len(draft.values) > 1 else draft.values[0]
        if all(_YEAR_ONLY.fullmatch(v.strip()) for v in draft.values) or any(_WRITTEN_SCALE.search(v) for v in draft.values):
            return value, ""  # a year, or a figure that states its own scale ("$1.1 billion")
        if not all(_BARE_FIGURE.fullmatch(v) for v in draft.values):
            return value, ""  # text, not an amount
        return value, "percent" if any("%" in v for v in draft.values) else evidence_scale(draft, evidence, contexts)
    if draft.computed:
        percent = "%" in draft.text  # a percentage change, or a computation over percentages
        return draft.computed[0], "percent" if percent else evidence_scale(draft, evidence, contexts)
    text = _MARKS.sub("", draft.text).strip()
    if _WHEN.search(question) or not _BARE_FIGURE.fullmatch(text):
        return text, ""
    return text, "percent" if "%" in text else evidence_scale(draft, evidence, contexts)


def score(question: dict[str, Any], pred: Any, pred_scale: str) -> tuple[float, float]:
    """TAT-QA EM and F1 of one prediction (F1 is EM for arithmetic and count answers)."""
    gold, gold_scale = question["answer"], question.get("scale", "")
    em = exact_match(pred, gold, pred_scale, gold_scale)
    if question.get("answer_type") in {"arithmetic", "count"}:
        return em, em
    return em, max(em, f1_score(pred, gold, pred_scale, gold_scale))


def run(
    suite_dir: Path, settings: Settings, limit: int | None, split: str = "all", records: list[ItemRecord] | None = None
) -> tuple[int, str, dict[str, float]]:
    """Ingest the tables and paragraphs of ``split`` (by table uid: :mod:`assistant.evaluation.split`),
    then retrieve, answer and score each of their questions; one record per question goes to ``records``.
    A half has its own workspace (``eval-tatqa-tune``, ``eval-tatqa-check``) holding only its tables,
    so a half's questions are searched among its own tables, never the other half's."""
    from assistant.embeddings import make_embedder
    from assistant.orchestrator import ANSWERERS
    from assistant.retrieval import HybridRetriever

    items = select(read_items(suite_dir), lambda item: str(item["table"]["uid"]), split)
    ws = settings.model_copy(update={"workspace": WORKSPACE if split == "all" else f"{WORKSPACE}-{split}"})
    store = ChromaStore(ws, make_embedder(ws))
    started = time.perf_counter()
    added = ingest_items(store, items, ws.chunk_chars)
    logger.info("tatqa: %d tables added (%d already in) in %.1f s", added, len(items) - added, time.perf_counter() - started)
    retriever = HybridRetriever(store, ws)
    answerer = ANSWERERS["extractive"](ws, embed=store.embedder)  # the product's embedded chain
    pairs = [(item, q) for item in items for q in item["questions"]][:limit]
    hits, firsts, ems, f1s, unsupported = [], [], [], [], []
    done: list[ItemRecord] = []
    for index, (item, question) in enumerate(pairs, start=1):
        text = question["question"]
        found = retriever.search(text, max(K, ws.top_k))
        paths = [h.chunk.locator.path for h in found]
        hits.append(hit_at_k(paths, own_context(item, question), K))
        firsts.append(hit_at_k(paths, own_context(item, question), 1))
        evidence = [Evidence(n, h.chunk.text, h.chunk.source_id, h.chunk.locator, h.score) for n, h in enumerate(found, 1)]
        draft = answerer.run(text, evidence)
        _, problems = verify(draft.text, evidence, draft.computed)
        unsupported.append(float(any("unsupported number" in p for p in problems)))
        contexts = {n: h.chunk.context for n, h in enumerate(found, 1)}
        pred, pred_scale = prediction(text, draft, evidence, contexts)
        em, f1 = score(question, pred, pred_scale)
        ems.append(em)
        f1s.append(f1)
        done.append(
            record(
                question.get("uid", f"{item['table']['uid']}#{index}"), text, question["answer"], draft, em == 1.0, evidence,
                type(answerer).__name__, problems, gold_scale=question.get("scale", ""), pred=pred, pred_scale=pred_scale,
                f1=f1, answer_type=question.get("answer_type"), table=item["table"]["uid"],
            )
        )  # fmt: skip
        if index % 100 == 0:
            logger.info("tatqa: %d/%d questions, em %.3f f1 %.3f hit@3 %.3f", index, len(pairs), mean(ems), mean(f1s), mean(hits))
    if records is not None:
        records.extend(done)
    backend = f"{settings.embedder}+hybrid+{answerer.name}+arithmetic"
    metrics = {"em": mean(ems), "f1": mean(f1s), "hit@1": mean(firsts), "hit@3": mean(hits), "unsupported": mean(unsupported)}
    metrics.update(confidence_metrics(done))
    return len(pairs), backend, {k: round(v, 4) for k, v in metrics.items()}
