"""Decoding fetched bytes: declared charsets are checked, not trusted."""

import pytest

from ingest.decode import BinaryContent, decode_html

TEXT = "Café «déjà vu» – naïve façade"


def test_utf8_declared_and_right():
    body = f'<meta charset="utf-8"><p>{TEXT}</p>'.encode()
    assert TEXT in decode_html(body, "text/html; charset=utf-8")[0]


def test_cp1252_labelled_utf8():
    body = f'<meta charset="utf-8"><p>{TEXT}</p>'.encode("cp1252")
    text, encoding = decode_html(body, "text/html; charset=UTF-8")
    assert TEXT in text and encoding != "utf-8"


def test_shift_jis_labelled_utf8():
    sentence = "東京都は新しい公園の計画を発表しました。市民の意見を募集しています。" * 5
    body = f'<html><head><meta charset="utf-8"></head><p>{sentence}</p></html>'.encode("shift_jis")
    text, _ = decode_html(body, "text/html; charset=utf-8")
    assert sentence in text


def test_missing_charset_uses_meta_then_utf8():
    body = f'<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"><p>{TEXT}'
    assert TEXT in decode_html(body.encode("cp1252"), "text/html")[0]
    assert TEXT in decode_html(f"<p>{TEXT}".encode(), None)[0]


@pytest.mark.parametrize("body", [b"%PDF-1.7\n...", b"\x89PNG\r\n\x1a\n....", b"ab\x00\x00cd" * 10])
def test_binary_refused(body):
    with pytest.raises(BinaryContent):
        decode_html(body, "text/html")


@pytest.mark.parametrize("label", ["utf-7", "UTF7", "unicode_escape", "raw-unicode-escape"])
def test_encodings_no_page_uses_are_ignored(label):
    """utf-7 decodes ``+2D0-`` to a lone surrogate, which no UTF-8 copy or SQLite text holds:
    the page failed at storing, and with it the pages extracted beside it."""
    body = f'<html><head><meta charset="{label}"></head><body><p>Ferry +2D0- \\ud83d</p>'
    text, encoding = decode_html(body.encode("ascii"), f"text/html; charset={label}")
    assert encoding not in ("utf-7", "unicode-escape", "raw-unicode-escape")
    assert "+2D0-" in text
    text.encode("utf-8")  # no lone surrogate


def test_a_page_declaring_utf7_is_stored_like_any_other():
    from ingest.process import process_page

    story = "The council kept the night ferry running through the winter, it said. " * 20
    body = '<html><head><meta charset="utf-7"><title>Ferry</title></head><body><article>'
    body += f"<h1>Ferry</h1><p>{story}</p><p>{story} +2D0-</p></article></body></html>"
    result = process_page({"url": "http://127.0.0.1/a/ferry", "source": "s", "body": body.encode()})
    assert result["outcome"] == "new"
    assert "+2D0-" in result["article"]["text"]
