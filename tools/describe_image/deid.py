"""De-identify a DICOM file: DICOM PS3.15 Annex E's Basic Application Level Confidentiality Profile
with the Clean Descriptors, Clean Pixel Data and Retain Patient Characteristics options.

* Basic Profile: the tag-action table is dicom-anonymizer's transcription of PS3.15 Table E.1-1
  (``dicomfields_2026c``: D replace with a dummy, Z empty, X remove, U new UID, and the combined
  actions), applied here to the top level *and every nested sequence item* (the package applies a
  single-tag rule at the top level only); then private tags are removed everywhere, and every
  remaining person name, date and time, and patient attribute is removed as a second guard.
* Clean Descriptors: ``StudyDescription``, ``SeriesDescription``, ``ProtocolName``, ``ImageComments``
  (and the few other free-text descriptors in ``CLEANED``) are kept, cleaned of the header's names and
  IDs, of dates, of long digit runs and of labelled values (``MRN 123``, ``DOB ...``).
* Clean Pixel Data: text found by OCR in the pixels is checked against the header's identifiers and
  generic identifier patterns; such regions are blanked in the stored copy (native pixel data), and no
  OCR text of an image with ``BurnedInAnnotation`` = YES or with identifying text is used as evidence.
* Retain Patient Characteristics: sex and age are kept (ages over 89 become 090Y).

A file whose transfer syntax pydicom does not know, or whose data elements or sequences cannot be
parsed, is refused (:class:`BadInputError`): it cannot be de-identified safely.

Example:
    >>> ds = read_for_deid("scan.dcm")            # doctest: +SKIP
    >>> names = identifiers(ds); basic_profile(ds)  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import logging
import re
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from assistant.errors import BackendUnavailableError, BadInputError

logger = logging.getLogger(__name__)

DEID_INSTALL = 'pip install "dicom-anonymizer==2.1.0"'
BASIC_PROFILE_TABLE = "dicomfields_2026c"
# Descriptors kept under the Clean Descriptors option (cleaned, not removed).
CLEANED = frozenset({
    "StudyDescription", "SeriesDescription", "ProtocolName", "ImageComments", "BodyPartExamined",
    "PerformedProcedureStepDescription", "RequestedProcedureDescription", "AcquisitionComments",
})
RETAINED = frozenset({"PatientSex", "PatientAge", "PatientSize", "PatientWeight"})  # Retain Patient Characteristics
ID_KEYWORDS = frozenset({
    "PatientID", "OtherPatientIDs", "AccessionNumber", "StudyID", "IssuerOfPatientID", "MedicalRecordLocator",
    "DeviceSerialNumber", "PatientTelephoneNumbers", "RequestedProcedureID", "PerformedProcedureStepID",
})
WORD_KEYWORDS = frozenset({  # free-text identifiers whose words count as identifying
    "PatientAddress", "InstitutionName", "InstitutionAddress", "InstitutionalDepartmentName", "StationName",
    "PatientBirthName", "PatientMotherBirthName", "PersonName", "ReferringPhysicianAddress",
})
# Generic identifier shapes, for text with no header value to compare against.
_LABELLED = re.compile(r"\b(?:MRN|DOB|D\.O\.B\.?|ACC(?:ESSION)?|SSN|NHS|PID|PATIENT|PT|NAME|ID|BORN)\b\s*(?:NO\.?|#|:)?\s*[:#]?\s*[^\s,;]*", re.I)
_DATE = re.compile(r"\b\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}\b|\b(?:19|20)\d{6}\b|\b\d{1,2}\s*[A-Z]{3}\s*(?:19|20)\d{2}\b", re.I)
_DIGITS = re.compile(r"\b[A-Z]{0,4}\d{4,}[A-Z0-9]*\b|\b\d[\d\- ]{5,}\d\b", re.I)
_HONORIFIC = re.compile(r"(?:\b(?:Dr|Mr|Mrs|Ms|Miss|Prof)\.?|\b(?:DR|MRS|PROF)\.)\s+[A-Z][A-Za-z'\-]+")  # not 'MR BRAIN'
_PN_LIKE = re.compile(r"\S*\^\S*")
SUBSTRING_MIN = 5  # a header word this long is found inside a longer token too
# pydicom's warnings when it guessed its way past a malformed element or sequence (values it merely
# finds over-long are not among them)
_STRUCTURE_WARNING = re.compile(r"VR lookup failed|delimiter|expected .*item|sequence|undefined length|unexpected", re.I)
MIN_WORD = 3  # header words shorter than this are not matched (initials, 'ST')
BURNED_IN_WARNING = "pixel text not read: the DICOM marks burned-in annotation (BurnedInAnnotation YES), which may identify the patient"
PIXEL_ID_WARNING = "pixel text not read: text in the image looks like patient identifiers (a name, ID or date)"


def neutral_name(path: str | Path) -> str:
    """The name a DICOM source is stored and cited under: ``dicom-<sha256[:16]>.dcm`` of its bytes."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return f"dicom-{digest.hexdigest()[:16]}.dcm"


def read_for_deid(path: str | Path) -> Any:
    """The whole dataset, every element and sequence parsed; refuses what cannot be de-identified."""
    try:
        import pydicom
        from pydicom.uid import AllTransferSyntaxes
    except ImportError as exc:
        raise BackendUnavailableError('reading DICOM needs pydicom: pip install "pydicom>=3,<4"') from exc
    name = Path(path).name
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            ds = pydicom.dcmread(str(path))
            syntax = getattr(getattr(ds, "file_meta", None), "TransferSyntaxUID", None)
            if syntax is not None and syntax not in AllTransferSyntaxes:
                raise BadInputError(f"{name}: DICOM transfer syntax {syntax} is unknown, so it cannot be de-identified safely; nothing was stored")
            for element in ds.iterall():  # parse every element, sequences included (raw ones stay lazy otherwise)
                _ = element.value
        if any(_STRUCTURE_WARNING.search(str(w.message)) and "pydicom" in (w.filename or "") for w in caught):  # catch_warnings is process-wide: other threads' warnings are not this file's
            raise BadInputError(f"{name}: DICOM data elements or sequences are malformed, so it cannot be de-identified safely; nothing was stored")
    except BadInputError:
        raise
    except Exception as exc:  # pydicom raises many types on a malformed element or sequence
        raise BadInputError(
            f"{name}: DICOM data cannot be parsed ({type(exc).__name__}), so it cannot be de-identified safely; nothing was stored"
        ) from None
    return ds


def identifiers(ds: Any) -> list[str]:
    """The header's identifying values, before removal: name parts, IDs, date forms and address or
    institution words (each of at least ``MIN_WORD`` characters)."""
    found: set[str] = set()
    for element in ds.iterall():
        keyword, value = element.keyword or "", element.value
        if value is None or value == "" or element.VR == "SQ":
            continue
        values = list(value) if type(value).__name__ == "MultiValue" else [value]
        for item in values:
            text = str(item)
            if element.VR == "PN" or keyword in WORD_KEYWORDS:
                found.update(w for w in re.split(r"[\^\s,.=]+", text) if len(w) >= MIN_WORD)
            elif keyword in ID_KEYWORDS:
                found.add(text.strip())
                found.update(re.findall(r"\d{4,}", text))
            elif element.VR == "DA" and re.fullmatch(r"\d{8}", text):
                found.update(_date_forms(text))
    return sorted(w for w in found if w)


def _date_forms(value: str) -> list[str]:
    y, m, d = value[:4], value[4:6], value[6:8]
    return [value, f"{y}-{m}-{d}", f"{y}/{m}/{d}", f"{d}/{m}/{y}", f"{m}/{d}/{y}", f"{d}.{m}.{y}", f"{d}-{m}-{y}"]


def _header_pattern(words: Iterable[str]) -> re.Pattern[str] | None:
    words = sorted({w for w in words if w}, key=len, reverse=True)
    if not words:
        return None
    return re.compile(r"(?<![A-Za-z0-9])(?:" + "|".join(re.escape(w) for w in words) + r")(?![A-Za-z0-9])", re.I)


def _holds_word(token: str, words: list[str]) -> bool:
    """Whether ``token`` holds a header word: equal to it, or containing one of ``SUBSTRING_MIN``+
    characters (OCR and file-name style run names together: ``DOEJANE``, ``Doe_7734219``)."""
    squashed = re.sub(r"[^a-z0-9]", "", token.lower())
    return any(w.lower() == squashed or (len(w) >= SUBSTRING_MIN and re.sub(r"[^a-z0-9]", "", w.lower()) in squashed) for w in words)


def clean_text(text: str, words: Iterable[str] = ()) -> str:
    """``text`` without the header's identifying ``words``, labelled values, dates, long digit runs,
    honorific + name and ``^``-joined names; whitespace collapsed.

    >>> clean_text("CT CHEST DOE^JANE MRN 7734219 DOB 1961-04-12", ["DOE", "JANE"])
    'CT CHEST'
    """
    words = list(words)
    pattern = _header_pattern(words)
    cleaned = " ".join(t for t in text.split() if not _holds_word(t, words))
    cleaned = _PN_LIKE.sub(" ", cleaned)
    if pattern is not None:
        cleaned = pattern.sub(" ", cleaned)
    for rule in (_LABELLED, _DATE, _DIGITS, _HONORIFIC):
        cleaned = rule.sub(" ", cleaned)
    return " ".join(cleaned.replace("()", " ").split()).strip(" -:,;/")


def looks_identifying(text: str, words: Iterable[str] = ()) -> bool:
    """Whether ``text`` (an OCR line) holds a header identifier or an identifier-shaped value."""
    words = list(words)
    pattern = _header_pattern(words)
    if (pattern is not None and pattern.search(text)) or any(_holds_word(t, words) for t in text.split()):
        return True
    return any(rule.search(text) for rule in (_LABELLED, _DATE, _DIGITS, _HONORIFIC, _PN_LIKE))


def _actions() -> dict[tuple[int, ...], Any]:
    try:
        from dicomanonymizer.simpledicomanonymizer import initialize_actions
    except ImportError as exc:
        raise BackendUnavailableError(f"de-identifying DICOM needs dicom-anonymizer: {DEID_INSTALL}") from exc
    return initialize_actions(BASIC_PROFILE_TABLE)


def _datasets(ds: Any) -> list[Any]:
    """``ds`` and every dataset nested in its sequences, parents first."""
    found = [ds]
    for element in ds.iterall():
        if element.VR == "SQ":
            found.extend(item for item in element.value)
    return found


def basic_profile(ds: Any, words: Iterable[str] = ()) -> Any:
    """Apply the Basic Profile with the options (see the module docstring) to ``ds`` in place."""
    from pydicom.tag import Tag

    words = list(words)
    actions = _actions()
    single = {Tag(tag[0], tag[1]): act for tag, act in actions.items() if len(tag) == 2}
    masked = [(tag, act) for tag, act in actions.items() if len(tag) == 4]
    for dataset in _datasets(ds):
        for element in list(dataset):
            keyword = element.keyword or ""
            if element.tag not in dataset or keyword in RETAINED or element.tag == 0x7FE00010:
                continue
            if keyword in CLEANED:
                clean_element(dataset, element, words)
                continue
            act = single.get(element.tag) or next(
                (a for t, a in masked if element.tag.group & t[2] == t[0] & t[2] and element.tag.element & t[3] == t[1] & t[3]), None
            )
            if act is not None:
                act(dataset, (element.tag.group, element.tag.element))
    ds.remove_private_tags()  # recursive: pydicom walks the sequences
    _second_guard(ds)
    age = str(ds.get("PatientAge", "") or "")
    if age[:-1].isdigit() and age.endswith("Y") and int(age[:-1]) > 89:
        ds.PatientAge = "090Y"
    ds.PatientIdentityRemoved = "YES"
    ds.DeidentificationMethod = "PS3.15 Basic Profile: Clean Desc., Clean Pixel, Retain Pat. Chars"  # LO: 64 chars
    meta = getattr(ds, "file_meta", None)
    if meta is not None and "SOPInstanceUID" in ds:  # group 0002 is outside the dataset the table walked
        meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    return ds


def clean_element(dataset: Any, element: Any, words: list[str]) -> None:
    value = element.value
    values = list(value) if type(value).__name__ == "MultiValue" else [value]
    cleaned = [clean_text(str(v), words) for v in values if v is not None]
    cleaned = [c for c in cleaned if c]
    if not cleaned:
        del dataset[element.tag]
    else:
        element.value = cleaned if len(cleaned) > 1 else cleaned[0]


def _second_guard(ds: Any) -> None:
    """Remove what the table left that still names or dates: person names, dates and times, patient
    attributes other than the retained characteristics (UIDs were replaced by the table)."""
    doomed: list[tuple[Any, Any]] = []

    def visit(dataset: Any, element: Any) -> None:
        keyword = element.keyword or ""
        if keyword in RETAINED or keyword in CLEANED or keyword == "PatientIdentityRemoved":
            return
        if element.VR in ("PN", "DA", "TM", "DT") or keyword.endswith(("Date", "Time", "DateTime")):
            doomed.append((dataset, element.tag))
        elif keyword.startswith(("Patient", "OtherPatient")) and keyword not in ("PatientPosition", "PatientOrientation"):
            doomed.append((dataset, element.tag))
        elif element.VR in ("LO", "SH", "LT", "ST", "UT", "UC") and keyword not in CLEANED and isinstance(element.value, str):
            if looks_identifying(element.value):
                doomed.append((dataset, element.tag))

    ds.walk(visit)
    for dataset, tag in doomed:
        if tag in dataset:
            del dataset[tag]


def screen_ocr(lines: tuple[Any, ...], words: Iterable[str], burned_in: bool) -> tuple[tuple[Any, ...], str | None]:
    """Clean Pixel Data for evidence: no OCR line of an image marked burned-in, or of one where any
    line looks identifying, is kept; the warning says why (and names no identifier)."""
    if not lines:
        return lines, None
    if burned_in:
        return (), BURNED_IN_WARNING
    words = list(words)
    if any(looks_identifying(line.text, words) for line in lines):
        return (), PIXEL_ID_WARNING
    return lines, None


def is_burned_in(ds: Any) -> bool:
    return str(ds.get("BurnedInAnnotation", "") or "").strip().upper() == "YES"
