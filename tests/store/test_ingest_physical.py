"""The independent record count: scan_csv / scan_lines on hand-written files."""

from __future__ import annotations

import gzip
import zipfile
from pathlib import Path

import numpy as np
import pytest

from forcemap.errors import ParseError
from forcemap.store.ingest._physical import scan_csv, scan_lines


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


def test_clean_file_is_parsed_as_it_is(tmp_path: Path) -> None:
    p = _write(tmp_path, "a.csv", b"a,b\n1,x\n2,y\n")
    with scan_csv(p) as s:
        assert (s.records, s.accepted, s.rejects, s.physical_lines) == (2, 2, [], 3)
        assert s.parse_path == p and s.lines.tolist() == [2, 3]
        assert s.offsets.tolist() == [4, 8]


def test_hand_worked_mix_of_defects(tmp_path: Path) -> None:
    """Lines: 1 header; 2 escaped quotes; 3 stray quote (swallows 4-6); 4, 5 fine; 6 quote
    inside an unquoted field (literal); 7-8 one legitimate multi-line record; 9 CRLF; 10
    blank; 11 Latin-1 byte; 12 too many fields; 13 text after a closing quote.

    Records: 12 non-blank lines - header - 1 continuation line = 10."""
    data = (
        'id,title,year\nP1,"A ""good"" title",2020\nP2,"stray title,2020\nP3,ok,2021\n'
        'P4,ok,2021\nP5,b" title,2022\nP6,"multi\nline title",2023\nP7,x,2024\r\n\n'
        'P8,caf\xe9,2024\nP9,a,b,c\nP10,"x"y,2025\n'
    ).encode("latin-1")
    with scan_csv(_write(tmp_path, "p.csv", data), encoding_hint=True) as s:
        assert s.records == 10 and s.blank_lines == 1
        assert s.lines.tolist() == [2, 4, 5, 6, 7, 9]
        assert [(r.line, r.reason) for r in s.rejects] == [
            (3, "malformed CSV: stray quote (the quoted field would swallow the next lines)"),
            (
                11,
                "invalid UTF-8 byte 0xE9 at column 7 (give the file's encoding, e.g. "
                "--encoding latin-1, to read it)",
            ),
            (12, "malformed CSV: too many fields"),
            (13, "malformed CSV: text after a closing quote"),
        ]
        clean = s.parse_path.read_bytes()
    assert clean == (
        b'id,title,year\nP1,"A ""good"" title",2020\nP3,ok,2021\nP4,ok,2021\n'
        b'P5,b" title,2022\nP6,"multi\nline title",2023\nP7,x,2024\n'
    )
    assert not s.parse_path.exists()  # the temporary file is removed on exit


def test_unclosed_quote_at_the_end_and_a_wrong_width_multiline_record(tmp_path: Path) -> None:
    data = b'a,b,c\n1,"two\nlines",x,y,z\n2,x,y\n3,"never closed\n'
    with scan_csv(_write(tmp_path, "u.csv", data)) as s:
        assert s.records == 3 and s.lines.tolist() == [4]
        assert [(r.line, r.reason) for r in s.rejects] == [
            (2, "malformed CSV: too many fields (lines 2-3)"),
            (5, "malformed CSV: a quote opened here is never closed"),
        ]


def test_boms_at_line_starts_and_a_repeated_header(tmp_path: Path) -> None:
    data = b"\xef\xbb\xbfa,b\n1,x\n\xef\xbb\xbfa,b\n2,y\n"
    with scan_csv(_write(tmp_path, "b.csv", data)) as s:
        assert (s.records, s.accepted, s.filtered) == (3, 2, {"repeated header line": 1})
        assert s.header == b"a,b" and s.parse_path.read_bytes() == b"a,b\n1,x\n2,y\n"


def test_size_limit_and_nul_byte_in_line_mode(tmp_path: Path) -> None:
    data = b'{"a":1}\n{"a":"' + b"x" * 100 + b'"}\n{"a":"\x00"}\n\n{"a":2}'
    with scan_lines(_write(tmp_path, "j.jsonl", data), max_record=50) as s:
        assert (s.records, s.lines.tolist()) == (4, [1, 5])
        assert [(r.line, r.reason) for r in s.rejects] == [
            (2, "record of 108 bytes is over the 50-byte limit"),
            (3, "NUL byte at column 7"),
        ]


def test_utf8_validation_matches_python(tmp_path: Path) -> None:
    """Overlong forms, surrogates and code points above U+10FFFF are not UTF-8."""
    samples = [
        b"\xc0\xaf",
        b"\xe0\x80\xaf",
        b"\xed\xa0\x80",
        b"\xf4\x90\x80\x80",
        b"\xe2\x82",
        "€𝄞é".encode(),
        b"\xf0\x9f\x98\x80",
        b"\xff",
    ]
    for k, sample in enumerate(samples):
        with scan_lines(_write(tmp_path, f"u{k}.txt", b"x" + sample + b"\n")) as s:
            try:
                sample.decode("utf-8")
                ok = True
            except UnicodeDecodeError:
                ok = False
            assert (s.accepted == 1) == ok, sample


def test_compressed_inputs_and_a_cut_gzip(tmp_path: Path) -> None:
    body = b"a,b\n" + b"".join(b"%d,x\n" % k for k in range(50_000))
    gz = _write(tmp_path, "a.csv.gz", gzip.compress(body))
    with scan_csv(gz) as s:
        assert (s.records, s.truncated) == (50_000, None)
    cut = _write(tmp_path, "cut.csv.gz", gzip.compress(body)[:40_000])
    with scan_csv(cut) as s:
        assert s.truncated and 0 < s.accepted < 50_000
        assert s.records == s.accepted + len(s.rejects)
    z = tmp_path / "a.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("a.csv", body)
    with scan_csv(z) as s:
        assert s.records == 50_000 and np.array_equal(s.lines, np.arange(2, 50_002))
    with zipfile.ZipFile(tmp_path / "two.zip", "w") as zf:
        zf.writestr("a.csv", body)
        zf.writestr("b.csv", body)
    with pytest.raises(ParseError, match="holds 2 files"):
        scan_csv(tmp_path / "two.zip")


def test_encoding_transcodes(tmp_path: Path) -> None:
    p = _write(tmp_path, "l.csv", "a,b\n1,café\n".encode("latin-1"))
    with scan_csv(p, encoding="latin-1") as s:
        assert s.accepted == 1 and s.parse_path.read_text(encoding="utf-8") == "a,b\n1,café\n"
    with pytest.raises(ParseError, match="unknown encoding"):
        scan_csv(p, encoding="no-such-codec")


def test_empty_file_has_no_header(tmp_path: Path) -> None:
    with pytest.raises(ParseError, match="no header line"):
        scan_csv(_write(tmp_path, "e.csv", b"\n\n"))
    with scan_lines(_write(tmp_path, "e.jsonl", b"")) as s:
        assert (s.records, s.accepted) == (0, 0)
