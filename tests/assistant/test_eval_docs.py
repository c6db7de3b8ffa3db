from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.errors import BadInputError
from assistant.evaluation import financebench, tatqa
from assistant.evaluation.metrics import (
    content_coverage,
    exact_match,
    f1_score,
    hit_at_k,
    key_numbers,
    normalise_answer,
    numbers_match,
)
from assistant.evaluation.runner import run_suite
from assistant.settings import Settings
from tests.conftest import shared_eval


# -- metrics --------------------------------------------------------------------------------------
def test_normalise_answer_writes_numbers_as_scaled_numbers() -> None:
    assert normalise_answer("The $1,496.5 million!") == "1496.5000 million"
    assert normalise_answer("$1,496.5", "million") == "1496500000.0000"
    assert normalise_answer("(12.6)") == "-12.6000"
    assert normalise_answer(["beta span", "alpha span"]) == "alpha span beta span"
    assert normalise_answer(-22.2222, "percent") == "-22.2200"


def test_exact_match_is_scale_aware() -> None:
    assert exact_match(-12.6, -12.6, "million", "million") == 1.0
    assert exact_match(-12.6, -12.6, "", "million") == 0.0
    assert exact_match("1,496.5", "$1,496.5", "million", "million") == 1.0
    assert exact_match("22.22%", -22.22, "percent", "percent") == 0.0
    assert exact_match("", "") == 0.0


def test_f1_is_token_overlap_with_a_number_check() -> None:
    assert f1_score("sold widgets and gadgets", ["widgets", "gadgets"]) == pytest.approx(2 / 3)
    assert f1_score("revenue was 12", "revenue was 13") == 0.0  # the gold number is missing
    assert f1_score("revenue was $13", "revenue was 13") == 1.0
    assert f1_score("", "anything") == 0.0


def test_numbers_match_within_one_percent_with_scale_words() -> None:
    assert numbers_match("It was 13,200 million [2].", "JnJ realised $13.2 billion in cash proceeds.")
    assert not numbers_match("It was $12.9 billion.", "$13.2 billion")
    assert numbers_match("Ratio = 93.5 [1].", "93.86")
    assert numbers_match("US up 3.0%, international down -0.6%.", "US sales increased 3.0% vs international sales decline of 0.6%.")
    assert not numbers_match("US up 3.0%.", "US sales increased 3.0% vs international sales decline of 0.6%.")
    assert numbers_match("up 3.0%.", "US sales increased 3.0% vs international sales decline of 0.6%.", key_only=True)
    assert not numbers_match("anything 5", "Yes, it did.")


def test_key_numbers_leave_out_years_and_later_sentences() -> None:
    assert key_numbers("AMCOR's Adj. EBITDA was $2,018mn in FY 2023") == [(2018.0, 2018e6)]
    assert key_numbers("No. Microsoft decreased its debt by $2.5bn in FY 2023 vs FY 2022.") == [(2.5, 2.5e9)]
    assert key_numbers("36%. The answer assumes FY2023 is the 12 months ended January 28, 2023.") == [(36.0, 36.0)]
    assert key_numbers("The Consumer Health segment, from August 30, 2023 onward.") == [(30.0, 30.0)]


def test_content_coverage_counts_the_gold_words_the_question_lacks() -> None:
    gold = "The Consumer Health business segment will be treated as a discontinued operation."
    question = "Which business segment of JnJ will be treated as a discontinued operation?"
    assert content_coverage("Consumer Health [1].", gold, question) == 1.0
    assert content_coverage("The Pharmaceutical segment [1].", gold, question) == 0.0
    assert content_coverage("x", "", "q") == 0.0


def test_hit_at_k() -> None:
    assert hit_at_k(["a", "b", "c"], {"c"}, 2) == 0.0
    assert hit_at_k(["a", "b", "c"], {"c"}, 3) == 1.0
    assert hit_at_k([], {"c"}, 3) == 0.0


# -- FinanceBench ---------------------------------------------------------------------------------
def _pdf(path: Path, pages: list[str]) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 6, text)
    pdf.output(str(path))


def _financebench_suite(root: Path) -> Path:
    suite = root / "fb"
    (suite / "pdfs").mkdir(parents=True)
    _pdf(
        suite / "pdfs" / "ACME_2019_10K.pdf",
        [
            "Acme Corp overview. The company makes industrial widgets for hospitals and laboratories.",
            "Results of operations. Total revenue was $5,010 million in 2019 and $4,320 million in 2018.",
        ],
    )
    rows = [
        ("fb1", "What was Acme's total revenue in 2019?", "$5,010 million", 1),
        ("fb2", "What was the change in total revenue from 2018 to 2019?", "$690 million", 1),
        ("fb3", "What does the company make?", "Industrial widgets.", 0),
        ("fb4", "Who audits Acme?", "Ernst & Young audits the company.", 0),
    ]
    with (suite / "questions.jsonl").open("w", encoding="utf-8") as handle:
        for fid, question, answer, page in rows:
            row = {"financebench_id": fid, "doc_name": "ACME_2019_10K", "question": question, "answer": answer,
                   "evidence": [{"evidence_text": "", "evidence_page_num": page}]}  # fmt: skip
            handle.write(json.dumps(row) + "\n")
    return suite


def test_financebench_run_scores_pages_and_answers(tmp_path: Path) -> None:
    suite = _financebench_suite(tmp_path)
    settings = Settings(data_dir=tmp_path / "data", embedder="fake")
    n, backend, metrics = financebench.run(suite, settings, None)
    assert n == 4
    assert backend == "fake+hybrid+extractive+arithmetic"
    # fb4's gold page is the first page, and page 1 is the only other page: every question finds
    # its page within 5 chunks; fb1-fb3 are answered right, fb4 (not in the filing) is not.
    assert metrics["page_hit@5"] == 1.0
    assert metrics["page_hit@1"] >= 0.75
    assert metrics["correct"] == 0.75
    # a second run reuses the ingested filing and scores the same
    assert financebench.run(suite, settings, 2) == (2, backend, financebench.run(suite, settings, 2)[2])
    result = run_suite(suite, settings, 1)
    assert result["suite"] == "financebench" and result["n"] == 1


def test_financebench_missing_pdf_is_bad_input(tmp_path: Path) -> None:
    suite = _financebench_suite(tmp_path)
    (suite / "pdfs" / "ACME_2019_10K.pdf").unlink()
    with pytest.raises(BadInputError, match=r"missing ACME_2019_10K\.pdf"):
        financebench.run(suite, Settings(data_dir=tmp_path / "data", embedder="fake"), None)


def test_financebench_correctness_rule() -> None:
    assert financebench.is_correct("Revenue was 5,010 [1].", "$5010.00", "q")
    assert not financebench.is_correct("Revenue was 5,110 [1].", "$5010.00", "q")
    assert financebench.is_correct("Opening of 47 new stores [2].", "Driven by the opening of 47 new stores.", "q")
    assert financebench.is_correct("Consumer Health [1].", "The Consumer Health segment.", "Which segment?")


@pytest.mark.integration
def test_financebench_real_suite_first_three(tmp_path: Path) -> None:
    suite = shared_eval("financebench")
    result = run_suite(suite, Settings(data_dir=tmp_path / "data"), 3)
    assert result["suite"] == "financebench" and result["n"] == 3
    assert set(result["metrics"]) == {"page_hit@1", "page_hit@5", "correct", "unsupported", "wrong_cited", "abstained"}
    assert all(0.0 <= v <= 1.0 for v in result["metrics"].values())


# -- TAT-QA ---------------------------------------------------------------------------------------
def _tatqa_suite(root: Path) -> Path:
    suite = root / "tq"
    suite.mkdir()
    items = [
        {
            "table": {"uid": "t1", "table": [["", "2019", "2018"], ["Revenue", "$5,010", "$4,320"], ["Cost of sales", "3,100", "2,900"]]},
            "paragraphs": [
                {"uid": "p1", "order": 1, "text": "All amounts are in thousands of dollars. Revenue grew on new customers."},
                {"uid": "p2", "order": 2, "text": "The company sells widgets to hospitals."},
            ],
            "questions": [
                {"uid": "q1", "order": 1, "question": "What is the change in revenue from 2018 to 2019?", "answer": 690,
                 "answer_type": "arithmetic", "scale": "thousand", "derivation": "5,010-4,320", "answer_from": "table",
                 "rel_paragraphs": [], "req_comparison": False},
                {"uid": "q2", "order": 2, "question": "What does the company sell to hospitals?", "answer": ["widgets"],
                 "answer_type": "span", "scale": "", "derivation": "", "answer_from": "text",
                 "rel_paragraphs": ["2"], "req_comparison": False},
            ],
        },
        {
            "table": {"uid": "t2", "table": [["", "2019"], ["Employees", "120"], ["Offices", "4"]]},
            "paragraphs": [{"uid": "p3", "order": 1, "text": "Our staff works from four offices."}],
            "questions": [],
        },
    ]  # fmt: skip
    (suite / "tatqa_dataset_dev.json").write_text(json.dumps(items), encoding="utf-8")
    return suite


def test_tatqa_render_table_repeats_the_header_when_split() -> None:
    rows = [["", "2019", "2018"], ["Alpha", "1", "2"], ["Beta", "3", "4"], ["Gamma", "5", "6"]]
    pieces = tatqa.render_table(rows, max_chars=30)
    assert pieces[0].startswith(" | 2019 | 2018\nAlpha | 1 | 2")
    assert all(p.startswith(" | 2019 | 2018\n") for p in pieces) and len(pieces) > 1
    assert tatqa.render_table(rows, 1200) == [" | 2019 | 2018\nAlpha | 1 | 2\nBeta | 3 | 4\nGamma | 5 | 6"]


def test_tatqa_run_scores_em_f1_and_hits(tmp_path: Path) -> None:
    suite = _tatqa_suite(tmp_path)
    settings = Settings(data_dir=tmp_path / "data", embedder="fake")
    n, backend, metrics = tatqa.run(suite, settings, None)
    assert (n, backend) == (2, "fake+hybrid+extractive+arithmetic")
    # q1: 690 computed, scale "thousand" from the paragraph -> EM 1; q2 quotes "The company sells
    # widgets to hospitals." and answers its clause "widgets to hospitals" -> EM 0, F1 2*(1/3*1)/(1/3+1) = 1/2
    # q2's quote is cited and not an exact match: wrong_cited 1/2
    assert metrics == {
        "em": 0.5, "f1": pytest.approx((1 + 1 / 2) / 2, abs=1e-4), "hit@1": 1.0, "hit@3": 1.0, "unsupported": 0.0,
        "wrong_cited": 0.5, "abstained": 0.0,
    }  # fmt: skip
    from assistant.embeddings import HashEmbedding
    from assistant.store import ChromaStore

    store = ChromaStore(settings.model_copy(update={"workspace": tatqa.WORKSPACE}), HashEmbedding())
    assert sorted(s.path for s in store.sources()) == ["tatqa://table/t1", "tatqa://table/t2"]
    assert tatqa.run(suite, settings, 1)[0] == 1  # reuses the workspace
    assert len(store.sources()) == 2 and store.count() == 5
    assert run_suite(suite, settings, 1)["suite"] == "tatqa"


def test_tatqa_rerun_removes_sources_the_suite_no_longer_produces(tmp_path: Path) -> None:
    from assistant.embeddings import HashEmbedding
    from assistant.store import ChromaStore

    suite = _tatqa_suite(tmp_path)
    settings = Settings(data_dir=tmp_path / "data", embedder="fake")
    tatqa.run(suite, settings, 1)
    store = ChromaStore(settings.model_copy(update={"workspace": tatqa.WORKSPACE}), HashEmbedding())
    first = {s.id for s in store.sources()}
    items = json.loads((suite / "tatqa_dataset_dev.json").read_text(encoding="utf-8"))
    items[0]["table"]["table"][1][1] = "$5,011"  # the same table, now rendered (or edited) differently
    (suite / "tatqa_dataset_dev.json").write_text(json.dumps(items), encoding="utf-8")
    tatqa.run(suite, settings, 1)
    now = {s.id for s in store.sources()}
    assert len(now) == 2 and len(now & first) == 1  # t2 reused, the old t1 gone
    assert sorted(s.path for s in store.sources()) == ["tatqa://table/t1", "tatqa://table/t2"]
    assert store.count() == 5


def test_tatqa_bad_file_is_bad_input(tmp_path: Path) -> None:
    (tmp_path / "tatqa_dataset_dev.json").write_text('{"not": "a list"}', encoding="utf-8")
    with pytest.raises(BadInputError, match="not a TAT-QA file"):
        tatqa.read_items(tmp_path)


def test_tatqa_prediction_scores_the_bare_value_with_the_scale_the_table_context_states() -> None:
    from assistant.answerers.base import Draft
    from assistant.types import Evidence, Locator

    ev = [Evidence(1, " | 2019\nTotal sales | $1,496.5", "s", Locator("tatqa://table/t"), 0.9)]
    draft = Draft("Total sales in 2019: $1,496.5 [1].", values=("$1,496.5",))
    assert tatqa.prediction("What were total sales in 2019?", draft, ev) == ("$1,496.5", "")
    context = {1: tatqa.table_context([{"text": "Sales grew. The table below presents sales (in millions):"}])}
    assert context[1] == "The table below presents sales (in millions):"
    pred = tatqa.prediction("What were total sales in 2019?", draft, ev, context)
    assert pred == ("$1,496.5", "million")
    assert tatqa.score({"answer": ["$1,496.5"], "scale": "million", "answer_type": "span"}, *pred) == (1.0, 1.0)
    years = Draft("The table gives 2019, 2018 [1].", values=("2019", "2018"))
    assert tatqa.prediction("Which years does the table cover?", years, ev, context) == (["2019", "2018"], "")
    stated = Draft("There was $1.1 billion [1].", values=("$1.1 billion",))
    assert tatqa.prediction("What was the cost?", stated, ev, context) == ("$1.1 billion", "")


def test_tatqa_prediction_gives_ratios_and_counts_no_scale_word() -> None:
    from assistant.answerers.base import Draft
    from assistant.types import Evidence, Locator

    ev = [Evidence(1, " | 2019\nSales | 7,155\nCosts | 10,290", "s", Locator("tatqa://table/t"), 0.9)]
    context = {1: "The table below presents sales (in millions):"}
    ratio = Draft("Ratio of Sales to Costs in 2019 = 7,155 / 10,290 = 0.7 [1].", computed=(0.7,))
    assert tatqa.prediction("What is the ratio of sales to costs in 2019?", ratio, ev, context) == (0.7, "")
    count = Draft("Sales is above the figure asked about in 1 of the 2 periods shown [1].", computed=(1.0, 2.0), values=("1",))
    assert tatqa.prediction("How many years did sales exceed $7,000 million?", count, ev, context) == ("1", "")
    rows = Draft("Sales has 2 parts: A; B [1].", computed=(2.0,), values=("2",))
    assert tatqa.prediction("How many components are there under Sales?", rows, ev, context) == ("2", "")
    change = Draft("Change in Sales from 2018 to 2019 = 7,155 − 7,000 = 155 [1].", computed=(155.0,))
    assert tatqa.prediction("What is the change in sales?", change, ev, context) == (155.0, "million")


def test_tatqa_prediction_leaves_per_share_amounts_and_text_unscaled() -> None:
    from assistant.answerers.base import Draft
    from assistant.types import Evidence, Locator

    ev = [Evidence(1, " | 2019\nCash dividends | $0.75", "s", Locator("tatqa://table/t"), 0.9)]
    context = {1: "The table below presents dividends (in thousands):"}
    dividend = Draft("Cash dividends in 2019: $0.75 [1].", values=("$0.75",))
    assert tatqa.prediction("What was the cash dividend per share in 2019?", dividend, ev, context) == ("$0.75", "")
    assert tatqa.prediction("What were cash dividends in 2019?", dividend, ev, context) == ("$0.75", "thousand")
    note = Draft("Subsidiaries are disclosed within note 35 [1].", values=("within note 35",))
    assert tatqa.prediction("Where are subsidiaries disclosed?", note, ev, context) == ("within note 35", "")


def test_tatqa_unlabelled_table_takes_the_scale_prose_restates_its_cells_in() -> None:
    from assistant.answerers.base import Draft
    from assistant.types import Evidence, Locator

    table = Evidence(1, " | 2019 | 2018\nNet income | $24,193 | $20,402", "s", Locator("tatqa://table/t"), 0.9)
    prose = Evidence(2, "Cash came from $24.2 million of net income and $47.6 million of non-cash charges.", "s", Locator("p"), 0.8)
    draft = Draft("Change in Net income from 2018 to 2019 = 24,193 − 20,402 = 3,791 [1].", computed=(3791.0,))
    assert tatqa.prediction("What is the change in net income?", draft, [table, prose]) == (3791.0, "thousand")
    unrelated = Evidence(2, "The company spent $3.1 million on marketing.", "s", Locator("p"), 0.8)
    assert tatqa.prediction("What is the change in net income?", draft, [table, unrelated]) == (3791.0, "")
    units = Evidence(2, "The company spent $3.1 million on marketing. The table below is in millions.", "s", Locator("p"), 0.8)
    assert tatqa.prediction("What is the change in net income?", draft, [table, units]) == (3791.0, "million")


def test_tatqa_scale_words_of_another_document_do_not_scale_the_cited_table() -> None:
    from assistant.answerers.base import Draft
    from assistant.types import Evidence, Locator

    table = Evidence(1, " | 2019 | 2018\nOther revenues | 27 | 52", "doc-a", Locator("tatqa://table/a"), 0.9)
    other = Evidence(2, "Sales were $4.1 million in 2019 (in thousands).", "doc-b", Locator("tatqa://paragraph/b"), 0.8)
    own = Evidence(3, "Amounts in the table below are in millions.", "doc-a", Locator("tatqa://paragraph/a"), 0.7)
    draft = Draft("Change in Other revenues from 2018 to 2019 = 27 − 52 = -25 [1].", computed=(-25.0,))
    assert tatqa.prediction("What is the change in other revenues?", draft, [table, other]) == (-25.0, "")
    assert tatqa.prediction("What is the change in other revenues?", draft, [table, other, own]) == (-25.0, "million")
