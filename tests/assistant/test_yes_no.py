"""The yes/no/maybe decider: cue reading, question alignment and wording, and the medical wrapper."""

from __future__ import annotations

import pytest

from assistant.answerers.base import Draft
from assistant.answerers.yes_no import (
    YesNoAnswerer,
    decide,
    for_profile,
    is_yes_no_question,
    p_value_cues,
    polarity,
    ratio_cues,
)
from assistant.types import Evidence, Locator


def _ev(*texts: str) -> list[Evidence]:
    return [Evidence(i, t, "s", Locator("study.txt"), 0.9) for i, t in enumerate(texts, start=1)]


BACKGROUND = "We aimed to determine whether statin use reduces stroke risk in older adults."


@pytest.mark.parametrize(
    ("sentence", "sign"),
    [
        ("Statin use significantly reduced stroke risk (HR 0.61, 95% CI 0.45-0.83).", 1),
        ("There was no significant difference in stroke risk between the groups (p = 0.41).", -1),
        ("Stroke risk was not associated with statin use.", -1),
        ("Statins failed to reduce stroke risk.", -1),
        ("The odds ratio was 1.41 (95% CI 0.91 to 2.17).", -1),
        ("Stroke rates were similar between the two groups.", -1),
    ],
)
def test_sentence_polarity(sentence: str, sign: int) -> None:
    value, _, cues = polarity(sentence)
    assert (value > 0) - (value < 0) == sign, cues


def test_negation_is_not_also_read_as_significance() -> None:
    value, _, cues = polarity("We did not find any significant difference in survival.")
    assert value < 0 and not any(c.startswith("+") for c in cues)


def test_p_values_and_confidence_intervals() -> None:
    assert p_value_cues("P<0.001, p = .41, P>0.05, p=0.049") == (2, 2)
    assert ratio_cues("OR 2.1 (95% CI 1.2-3.5) and RR 0.9 (95% CI, 0.7 to 1.1)") == (1, 1)


def test_decisions_follow_the_aligned_finding() -> None:
    positive = _ev(BACKGROUND, "Statin use significantly reduced stroke risk (HR 0.61, 95% CI 0.45-0.83).")
    negative = _ev(BACKGROUND, "Statin use was not associated with stroke risk (p = 0.52).",
                   "Baseline LDL was significantly lower in statin users (p < 0.001).")
    assert decide("Does statin use reduce stroke risk?", positive).label == "yes"
    decision = decide("Does statin use reduce stroke risk?", negative)
    assert decision.label == "no" and "not associated" in decision.findings[0].sentence
    assert all("aimed" not in f.sentence for f in decision.findings)  # the aim is not a finding


def test_null_finding_answers_an_equivalence_question_with_yes() -> None:
    evidence = _ev("Complication rates did not differ significantly with or without predilatation (p = 0.7).")
    assert decide("Can predilatation be safely omitted?", evidence).label == "yes"


def test_question_forms() -> None:
    assert is_yes_no_question("Does aspirin prevent stroke?")
    assert is_yes_no_question("Hearing loss: an unknown complication of pre-eclampsia?")
    assert not is_yes_no_question("How many patients died?")
    assert not is_yes_no_question("What was the mortality?")


class _Inner:
    name = "inner"

    def warm_up(self) -> None:
        return None

    def run(self, question, evidence, images=()):
        return Draft("inner answer")


def test_wrapper_answers_yes_no_questions_in_hedged_cited_words() -> None:
    answerer = YesNoAnswerer(_Inner())
    evidence = _ev(BACKGROUND, "Statin use was not associated with stroke risk (p = 0.52).")
    text = answerer.run("Does statin use reduce stroke risk?", evidence).text
    assert text == (
        "The cited evidence suggests no, as reported in the material: "
        "Statin use was not associated with stroke risk (p = 0.52) [2]."
    )
    assert answerer.run("What was the stroke risk?", evidence).text == "inner answer"
    assert answerer.run("Does the moon orbit Mars?", evidence).text == "inner answer"  # nothing speaks to it
    assert answerer.run("Does statin use reduce stroke risk?", []).text == "inner answer"
    assert YesNoAnswerer(_Inner()).decide("Does statin use reduce stroke risk?", []) is None


def test_only_the_medical_profile_gets_the_decider() -> None:
    inner = _Inner()
    assert isinstance(for_profile(inner, "medical"), YesNoAnswerer)
    assert for_profile(inner, "finance") is inner and for_profile(inner, "general") is inner


def test_evidence_about_something_else_is_maybe_without_findings() -> None:
    decision = decide("Does statin use reduce stroke risk?", _ev("Knee replacement improved walking speed (p < 0.01)."))
    assert decision.label == "maybe" and decision.findings == ()
    assert decide("Can predilatation be safely omitted?", _ev("Predilatation rates rose.")).findings  # not mistaken for 'predict'


def test_restated_aims_and_background_claims_are_not_findings() -> None:
    evidence = _ev(
        "To determine whether early mobilisation shortens hospital stay after hip surgery.",
        "Early mobilisation has been shown to improve recovery in several studies.",
        "Hospital stay did not differ significantly between early and late mobilisation (p = 0.38).",
    )
    decision = decide("Does early mobilisation shorten hospital stay after hip surgery?", evidence)
    assert decision.label == "no"
    assert [f.n for f in decision.findings] == [3]


def test_a_difference_answers_a_sameness_question_with_no() -> None:
    differ = _ev("Specimens from cold knife conization were significantly longer than LEEP specimens (p = 0.001).")
    alike = _ev("Specimen length did not differ significantly between cold knife conization and LEEP (p = 0.6).")
    question = "Cold knife conization and LEEP: are they the same procedure?"
    assert decide(question, differ).label == "no"
    assert decide(question, alike).label == "yes"


def test_rhetorical_doubt_needs_clearly_positive_findings() -> None:
    weak = _ev("Routine chest radiographs detected pneumothorax in 2 of 150 patients (1.3%), a higher yield than expected.")
    assert decide("Are chest radiographs after central line placement necessary?", weak).label == "no"
    assert decide("Do chest radiographs after central line placement detect pneumothorax?", weak).label == "yes"
