import codecs

from crawler.charset import decode

TEXT = "Minister \u201cconfident\u201d \u2014 the opposition\u2019s doubts"


def test_windows_1252_declared_only_in_meta_http_equiv():
    html = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'
            f'</head><body><p>{TEXT}</p></body></html>').encode("windows-1252")
    text, enc = decode(html, "text/html")
    assert TEXT in text
    assert enc == "cp1252"


def test_latin1_label_is_read_as_windows_1252_like_browsers():
    html = f"<html><body><p>{TEXT}</p></body></html>".encode("windows-1252")
    text, _ = decode(html, "text/html; charset=ISO-8859-1")
    assert TEXT in text


def test_http_header_wins_over_meta():
    html = ('<meta charset="windows-1252"><p>' + "caf\u00e9" + "</p>").encode("utf-8")
    text, _ = decode(html, "text/html; charset=utf-8")
    assert "caf\u00e9" in text


def test_bom_wins():
    text, enc = decode(codecs.BOM_UTF8 + "Z\u00fcrich".encode("utf-8"),
                       "text/html; charset=windows-1252")
    assert text == "Z\u00fcrich" and enc == "utf-8"


def test_undeclared_bytes_are_detected_and_never_raise():
    sentence = "Une \u00e9l\u00e9gante d\u00e9cision \u00e0 Z\u00fcrich. "
    data = ("<p>" + sentence * 20 + "</p>").encode("latin-1")
    text, _ = decode(data, None)
    assert "\u00e9l\u00e9gante" in text
    decode(b"\xff\xfe\x00garbage\x80\x81", None)
