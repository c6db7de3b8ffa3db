"""A transparent yes / no / maybe decider for research questions ("Does X improve Y?"), in code.

No language model ships offline, so the decision comes from rules a reader can check:

1. Each evidence sentence is read for **finding cues**: significance ("significantly", p < 0.05,
   a ratio whose 95% CI excludes 1, "associated with", "improved", "predicts") count for the
   finding; negated findings ("no significant difference", "not associated", "did not", "failed
   to", "similar", p > 0.05, a ratio whose CI spans 1) count against it; hedges ("may", "unclear",
   "further studies", "trend") mark it uncertain. Negated spans are removed before positive cues are
   counted, so "no significant difference" is not also read as "significant", and a negation weighs
   three positive words. Restated aims ("To determine whether ...") and background claims ("X has
   been shown to ...") are not findings of the study and are left out.
2. Each sentence is weighted by its **alignment** with the question: the share of the question's
   key terms (idf-weighted within the evidence, matched on word prefixes) it contains. The sentence
   that names what the question asks about decides more than one about a side result.
3. The alignment-weighted mean polarity decides: negative -> "no", otherwise "yes" (the prior
   for published findings); "maybe" only when no sentence states a finding at all (hedge cues
   did not separate "maybe" on PubMedQA, so they are reported, not voted). A question phrased
   negatively ("Is X not ...?") flips the reading; a null finding answers a safety or omission
   question ("Is X safe?", "Can Y be omitted?") with yes; a sameness question ("Are X and Y the
   same?", "Is A as effective as B?") reads a difference as no and a null finding as yes;
   rhetorical doubt ("always", "really", "necessary") raises the bar for "yes".

The answer quotes the deciding sentences with citations and hedged wording; it never states a
diagnosis as fact (the orchestrator appends the medical profile's not-medical-advice note).

Example:
    >>> ev = [Evidence(1, "Mortality did not differ significantly between the groups (p = 0.41).", "s", Locator("a.txt"), 0.9)]
    >>> decide("Does early surgery reduce mortality?", ev).label
    'no'
    >>> is_yes_no_question("What was the mortality?")
    False
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.answerers.base import NOT_FOUND, Draft
from assistant.chunking import split_sentences
from assistant.lexical import terms
from assistant.types import Evidence, ImageDescription, Locator  # noqa: F401  (Locator used in the doctest)

LABELS = ("yes", "no", "maybe")
# Below this share of the question's key-term weight in every finding sentence, the evidence is not about the question.
MIN_ALIGNMENT = 0.1
_AUX = re.compile(
    r"^(is|are|was|were|does|do|did|can|could|should|will|would|has|have|had|may|might|must|shall)\b", re.I
)
_WH = re.compile(r"^(what|which|who|whom|whose|when|where|why|how)\b", re.I)
_CLAUSE = re.compile(r"[:;?]\s+|\.\s+|--|\s[-–—]\s|,\s+(?=(?:is|are|does|do|did|can|could|should|will|would)\b)", re.I)

# Generic words of study questions: they say little about which sentence holds the answer.
_GENERIC = set(
    "patient study effect effective associat association role use using useful impact influence increase "
    "improve predict risk factor outcome result differ difference affect relat related relationship "
    "value valu need necessary really always routine possible better new between among versus vs compar able "
    "there".split()
)

_FINDING = (
    r"significan\w*|differ\w*|associat\w*|correlat\w*|relat\w*|effect\w*|chang\w*|improv\w*|increas\w*|"
    r"decreas\w*|reduc\w*|predict\w*|benefi\w*|affect\w*|influenc\w*|impact\w*|advantag\w*|superior\w*|"
    r"better|worse|alter\w*|link\w*|evidence|role|contribut\w*|protect\w*|prevent\w*|useful\w*|effica\w*|"
    r"detect\w*|found|find|show\w*|demonstrat\w*|observ\w*|identif\w*|reach\w*|impair\w*|lower|higher"
)
# A negation and its scope, up to the end of the clause, when the scope names a finding.
_NEG = [
    r"\b(?:no|not|n't|neither|nor|none|failed to|fail to|unable to|lack of|absence of|nonsignificant|non-significant|"
    r"insignificant)\b[^,;:]*?\b(?:" + _FINDING + r")\b[^,;:]*?(?=$|[,;:]|\b(?:but|whereas|while|although|however)\b)",
    r"\b(?:non-?significant(?:ly)?|insignificant(?:ly)?)\b",
    r"\bno\b[^,;]{0,60}\b(?:was|were) (?:detected|found|observed|seen|made|identified|noted|reported|present)\b",
    r"\b(?:were|was|remained|are|is) (?:\w+ )?(?:similar|comparable|equivalent|unchanged|unaffected|unrelated)\b"
    r"(?=[^,;]*\b(?:between|among|in both|in all|across|with|to|regardless|groups?)\b)",
    r"\b(?:did not differ|not differ\w*|no more|no less|no better|no worse)\b",
    r"\bn\.?s\.?\)",
]
_POS = [
    r"\b(?:statistically )?significant(?:ly)?\b",
    r"\b(?:associated|correlated|linked|related) (?:with|to)\b",
    r"\b(?:improv|increas|reduc|decreas|lower|higher|great|superior|better|benefi|effective|efficac|predict|"
    r"independent(?:ly)? (?:predict|associat|risk)|risk factor|more likely|less likely|protective|sensitiv|"
    r"specific|accura|feasib|safe|success|enhanc|prevent|elevat|strong|correlat|valid|reliab)\w*",
]
_HEDGE = re.compile(
    r"\b(?:may|might|could|possibly|possible|potential(?:ly)?|unclear|uncertain|inconclusive|controversial|"
    r"further (?:stud|research|investigation|trial)\w*|larger (?:stud|trial)\w*|warrant\w*|trend\w*|tended|"
    r"borderline|marginal(?:ly)?|limited|conflicting|mixed|not clear|remains? to be|preliminary|suggest\w*)\b",
    re.I,
)
_NEG_RE = [re.compile(p, re.I) for p in _NEG]
_POS_RE = [re.compile(p, re.I) for p in _POS]
_P_VALUE = re.compile(r"(?<![a-z])p\s*(<=|>=|≤|≥|<|>|=)\s*(0?\.\d+|1(?:\.0+)?)(?!\d)", re.I)
_RATIO_CI = re.compile(
    r"\b(?:a?OR|RR|HR|IRR|odds ratio|hazard ratio|relative risk|risk ratio)\b[^;]{0,80}?"
    r"(?:95\s*%\s*(?:CI|confidence interval)|\bCI\b)[\s:=,]*\[?\(?(\d+(?:\.\d+)?)\s*(?:-|–|to|,)\s*(\d+(?:\.\d+)?)",
    re.I,
)
_NEGATIVE_QUESTION = re.compile(r"\b(not|no|without|never|lack|fail|unnecessary|myth|overrated|overestimat\w*)\b", re.I)
# Aims, background and methods: they state what was asked, not what was found.
_NOT_FINDING = re.compile(
    r"\b(?:aim(?:s|ed)?|purpose|objective|goal|hypothes\w+|to date|little is known|remains? (?:unclear|unknown)|"
    r"we (?:sought|aimed|wanted|intended|investigated|examined|evaluated|assessed|studied|analy[sz]ed|reviewed|compared|tested|determined)|"
    r"this study|the present study|was (?:designed|conducted|performed) to|were (?:included|enrolled|recruited|randomi[sz]ed)|"
    r"is (?:unclear|unknown|controversial|debated))\b"
    # the question restated as an aim: "To determine whether ...", "We explored whether ..."
    r"|\bwhether\b|^\s*(?:to|determine|assess|evaluate|investigate|compare|examine) \w+"
    r"|\bto (?:determine|assess|evaluate|investigate|compare|examine|identify|explore|test|describe|analy[sz]e)\b"
    # background: what others reported or what is believed, not this study's finding
    r"|\b(?:has|have) been (?:shown|suggested|reported|proposed|advocated|used|described|recommended|implicated)\b"
    r"|\b(?:is|are) (?:advocated|recommended|thought|believed|considered|known|widely|commonly)\b"
    r"|\bit (?:has been|is) \w+ed that\b|\bstudies have\b",
    re.I,
)
# Questions of sameness ("Are X and Y the same?", "Is A as effective as B?"): a difference answers
# them with no and a null finding with yes, so the whole reading flips.
_SAMENESS_QUESTION = re.compile(
    r"\b(same|similar|equivalent|comparable|identical|interchangeable|as (?:effective|good|accurate|safe)|"
    r"non-?inferior|substitute|replace\w*)\b",
    re.I,
)
# Questions of safety or omission: a null finding ("no difference") answers them with yes.
_EQUIVALENCE_QUESTION = re.compile(
    r"\b(safe|safely|omitted|omit|avoid\w*|alternative|instead|unnecessary|spared?|without)\b",
    re.I,
)
# Rhetorical doubt ("Is X really necessary?", "Should Y always be done?"): such questions usually
# challenge a practice, so "yes" needs clearly positive findings.
_SCEPTICAL = re.compile(r"\b(always|really|necessary|mandatory|obligatory|required)\b", re.I)
SCEPTICAL_BAR = 1.5
# A negated finding ("no significant difference") outweighs a positive word (0.5): positive words are
# also used to describe a study's groups, negations rarely are (PubMedQA: 0.638 at 1.0, 0.644 at 1.5, flat to 2.0).
NEGATION_WEIGHT = 1.5


@dataclass(frozen=True)
class Finding:
    """One evidence sentence as read for a yes/no question."""

    n: int  # evidence number
    sentence: str
    alignment: float  # share of the question's key terms it contains, in [0, 1]
    polarity: float  # > 0 supports "yes", < 0 "no"
    hedged: bool
    cues: tuple[str, ...]


@dataclass(frozen=True)
class Decision:
    """The label, the weighted polarity it came from, and the sentences that carried it (best first)."""

    label: str
    score: float
    findings: tuple[Finding, ...]


def is_yes_no_question(question: str) -> bool:
    """A question a clause of which starts with an auxiliary verb, or a ``Topic: a new marker?`` title
    question; a wh-question is not.

    >>> is_yes_no_question("Therapeutic anticoagulation in the trauma patient: is it safe?")
    True
    >>> is_yes_no_question("Inhibin: a new circulating marker of hydatidiform mole?")
    True
    """
    clauses = [c.strip() for c in _CLAUSE.split(question.strip()) if c and c.strip()]
    if any(_WH.match(c) for c in clauses):
        return False
    return any(_AUX.match(c) for c in clauses) or question.strip().endswith("?")


def p_value_cues(sentence: str) -> tuple[int, int]:
    """How many stated p-values are significant (< 0.05) and how many are not (> 0.05).

    >>> p_value_cues("rose (P<0.001) but not weight (p = .41) or BMI (P>0.05)")
    (1, 2)
    """
    good = bad = 0
    for op, raw in _P_VALUE.findall(sentence):
        value = float(raw)
        if op in {"<", "<=", "≤"} and value <= 0.05 or op == "=" and value < 0.05:
            good += 1
        elif op in {">", ">=", "≥"} and value >= 0.05 or op == "=" and value > 0.05:
            bad += 1
    return good, bad


def ratio_cues(sentence: str) -> tuple[int, int]:
    """Ratios (OR, HR, RR) whose 95% CI excludes 1 (significant) and those whose CI spans 1.

    >>> ratio_cues("odds ratio 1.41 (95% CI 0.91 to 2.17); HR 0.43 [95% CI, 0.20-0.93]")
    (1, 1)
    """
    good = bad = 0
    for low, high in _RATIO_CI.findall(sentence):
        lo, hi = float(low), float(high)
        if lo <= 1.0 <= hi:
            bad += 1
        elif lo < hi:
            good += 1
    return good, bad


def polarity(sentence: str) -> tuple[float, bool, tuple[str, ...]]:
    """A sentence's finding polarity (negative cues minus..., in units of cues), whether it hedges, and its cues."""
    cues: list[str] = []
    rest = sentence
    negatives = 0.0
    for pattern in _NEG_RE:
        for match in pattern.finditer(rest):
            cues.append(f"-{match.group(0).strip()}")
            negatives += NEGATION_WEIGHT
        rest = pattern.sub(" ", rest)
    positives = 0.0
    for pattern in _POS_RE:
        found = pattern.findall(rest)
        positives += min(len(found), 2) * 0.5
        cues += [f"+{f}" for f in found[:2]]
    good_p, bad_p = p_value_cues(sentence)
    good_ci, bad_ci = ratio_cues(sentence)
    positives += good_p + good_ci
    negatives += 1.5 * (bad_p + bad_ci)
    cues += ["+p<0.05"] * good_p + ["-p>0.05"] * bad_p + ["+CI excludes 1"] * good_ci + ["-CI spans 1"] * bad_ci
    hedged = bool(_HEDGE.search(sentence))
    return positives - negatives, hedged, tuple(cues)


def _prefixes(words: Sequence[str]) -> set[str]:
    return {w[:5] for w in words if len(w) > 2}


def key_terms(question: str) -> list[str]:
    """The question's content words less generic study words (all content words if nothing is left)."""
    words = terms(question)
    specific = [w for w in words if not _is_generic(w)]
    return specific or words


_SUFFIXES = ("", "s", "e", "ed", "es", "ing", "ion", "ions", "ive", "ively", "al", "ally", "ly", "ful", "ity", "or", "ors", "ment")


def _is_generic(word: str) -> bool:
    """A generic study word or one of its inflections ("predictive", "associated"), not a word that
    merely shares its first letters ("predilatation")."""
    return any(word.startswith(g) and word[len(g) :] in _SUFFIXES for g in _GENERIC)


def read_findings(question: str, evidence: Sequence[Evidence]) -> list[Finding]:
    """Every evidence sentence that states a finding (aims, background and methods are left out),
    with its alignment to the question and its finding polarity.

    Alignment is the idf-weighted share of the question's key terms in the sentence (MiniLM
    similarity instead, or averaged in, scored no better on PubMedQA, so the reading stays lexical).
    """
    sentences = [(e.n, s) for e in evidence for s in split_sentences(e.text) if not _NOT_FINDING.search(s)]
    if not sentences:
        return []
    keys = list(dict.fromkeys(w[:5] for w in key_terms(question) if len(w) > 2))
    doc_freq = Counter(p for _, s in sentences for p in _prefixes(terms(s)))
    weights = {k: math.log(1 + len(sentences) / (1 + doc_freq[k])) + 0.2 for k in keys}
    total = sum(weights.values()) or 1.0
    findings = []
    for n, sentence in sentences:
        have = _prefixes(terms(sentence))
        alignment = sum(w for k, w in weights.items() if k in have) / total
        value, hedged, cues = polarity(sentence)
        findings.append(Finding(n, sentence, round(alignment, 4), value, hedged, cues))
    return findings


def decide(question: str, evidence: Sequence[Evidence], min_alignment: float = MIN_ALIGNMENT) -> Decision:
    """Yes, no or maybe for ``question`` from the findings in ``evidence`` (see the module docstring).
    When no finding sentence reaches ``min_alignment`` the answer is "maybe" with no findings: the
    evidence does not speak to the question, and the answerer defers.

    The score is the alignment-weighted mean polarity of the finding sentences; the sentence most
    aligned with the question counts double. A null finding answers an equivalence question
    ("Is X safe?", "Can Y be omitted?") in the affirmative.
    """
    findings = read_findings(question, evidence)
    if not findings or max(f.alignment for f in findings) < min_alignment:
        return Decision("maybe", 0.0, ())  # nothing in the evidence speaks to the question: defer
    flip = -1.0 if _NEGATIVE_QUESTION.search(question) else 1.0
    equivalence = bool(_EQUIVALENCE_QUESTION.search(question))
    sameness = bool(_SAMENESS_QUESTION.search(question))

    def signed(f: Finding) -> float:
        value = max(-2.0, min(2.0, f.polarity))
        if sameness:
            return -value * flip
        return (-value if equivalence and value < 0 else value) * flip

    cited = sorted((f for f in findings if f.polarity), key=lambda f: (-f.alignment, f.n))
    if not cited:
        return Decision("yes" if findings else "maybe", 0.0, tuple(sorted(findings, key=lambda f: -f.alignment)[:1]))
    weights = [f.alignment + 0.05 for f in cited]
    weights[0] *= 2.0
    score = sum(w * signed(f) for w, f in zip(weights, cited)) / sum(weights)
    bar = SCEPTICAL_BAR if _SCEPTICAL.search(question) else 0.0
    label = "no" if score < bar else "yes"
    support = [f for f in cited if (signed(f) < 0) == (label == "no")][:2] or cited[:1]
    return Decision(label, round(score, 3), tuple(support))


_LEADS = {
    "yes": "The cited evidence suggests yes",
    "no": "The cited evidence suggests no",
    "maybe": "The cited evidence is inconclusive",
}


def _cite(sentence: str, n: int) -> str:
    body = sentence.rstrip().rstrip(".!?").rstrip()
    return f"{body} [{n}]."


def answer_text(decision: Decision) -> str:
    """A hedged, cited answer: the lean of the evidence, then the sentences it rests on, quoted."""
    if not decision.findings:
        return NOT_FOUND
    quoted = " ".join(_cite(f.sentence, f.n) for f in decision.findings)
    return f"{_LEADS[decision.label]}, as reported in the material: {quoted}"


class YesNoAnswerer:
    """Answers yes/no research questions with :func:`decide`; every other question goes to ``inner``.

    Example:
        >>> answerer = YesNoAnswerer(ExtractiveAnswerer())                # doctest: +SKIP
        >>> answerer.run("Does statin use reduce stroke risk?", evidence).text   # doctest: +SKIP
        'The cited evidence suggests yes, as reported in the material: ... [2].'
    """

    name = "extractive+yes_no"
    description = "decides yes/no/maybe research questions from finding cues in the evidence; quotes the deciding sentences"

    def __init__(self, inner: object) -> None:
        self.inner = inner

    def warm_up(self) -> None:
        self.inner.warm_up()  # type: ignore[attr-defined]

    def decide(self, question: str, evidence: Sequence[Evidence]) -> Decision | None:
        """The decision, or None when the question is not a yes/no one or there is no evidence.
        A decision without findings means the evidence does not speak to the question."""
        if not evidence or not is_yes_no_question(question):
            return None
        return decide(question, evidence)

    def run(self, question: str, evidence: Sequence[Evidence], images: Sequence[ImageDescription] = ()) -> Draft:
        decision = None if images else self.decide(question, evidence)
        if decision is None or not decision.findings:  # not a yes/no question, or nothing to decide from
            return self.inner.run(question, evidence, images=images)  # type: ignore[attr-defined]
        return Draft(answer_text(decision))


def for_profile(inner: object, profile: str) -> object:
    """``inner`` wrapped in a :class:`YesNoAnswerer` for the medical profile, else ``inner`` itself."""
    return YesNoAnswerer(inner) if profile == "medical" else inner
