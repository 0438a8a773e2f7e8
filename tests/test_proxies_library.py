"""The DSL proxy library: every file parses, type-checks and round-trips; bad files fail clearly."""

from __future__ import annotations

import pytest

from zeroseg.dsl import parse, to_text
from zeroseg.proxies import PROXIES, create_proxy, list_proxies
from zeroseg.proxies.library import (
    ProxyFile, Term, library_files, parse_proxy_text, read_proxy_file, write_found_proxy,
)

FILES = library_files()


def test_library_holds_the_papers_proxies():
    names = {p.stem for p in FILES}
    assert {"saswot_minus", "nwot"} <= names
    assert set(list_proxies(kind="dsl")) == names


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_file_parses_and_round_trips(path):
    pf = read_proxy_file(path)
    assert parse_proxy_text(pf.format()) == pf
    if pf.terms:  # a found multi-term proxy: each term is DSL text or a registered proxy's name
        assert create_proxy(pf.name).contract["terms"][0]["expression"] == pf.terms[0].expression
        for t in pf.terms:
            assert t.expression in PROXIES or parse(to_text(parse(t.expression))) == parse(t.expression)
        return
    graph = parse(pf.expression)
    assert parse(to_text(graph)) == graph
    assert create_proxy(pf.name).contract["expression"] == pf.expression


def test_saswot_minus_is_eq2():
    assert read_proxy_file(next(p for p in FILES if p.stem == "saswot_minus")).expression == (
        "sum_layers(to_sum(lt(softmax(W), relu(G))))"
    )


GOOD = "# name: x\n# provenance: test\n# sign: +1\nslogdet(KH)\n"


@pytest.mark.parametrize(
    "text, message",
    [
        ("# name: x\n# provenance: p\nslogdet(KH)\n", "missing header line.*# sign:"),
        ("# name: x\n# provenance: p\n# sign: 2\nslogdet(KH)\n", "must be \\+1 or -1"),
        ("# name: x\n# provenance: p\n# sign: +1\n", "no expression"),
        ("# name: x\n# provenance: p\n# sign: +1\nslogdet(KH)\n# note: late\n", "<t>:5: header line"),
        ("# name: x\n# name: y\n# provenance: p\n# sign: +1\nKH\n", "<t>:2: duplicate header"),
    ],
)
def test_bad_files_name_the_problem(text, message):
    with pytest.raises(ValueError, match=message):
        parse_proxy_text(text, "<t>")


def test_free_comments_are_ignored_and_notes_kept():
    pf = parse_proxy_text("# a comment\n" + GOOD.replace("slogdet", "# note: n1\nslogdet"))
    assert pf == ProxyFile("x", "test", 1, "slogdet(KH)", ("n1",))


def test_name_must_match_file_stem(tmp_path):
    path = tmp_path / "other.proxy"
    path.write_text(GOOD)
    with pytest.raises(ValueError, match="differs from the file name 'other'"):
        read_proxy_file(path)


FOUND = ("# name: best\n# provenance: found by a test\n# sign: +1\n# setup: resolution=64 batch_size=8 seed=0\n"
         "# term: 0.75 -1.5 3.25 sum_layers(to_sum(abs(G)))\n# term: 0.25 81.3 100.6 slogdet(KH)\n# note: n1\n")


def test_found_proxy_files_round_trip_byte_for_byte():
    pf = parse_proxy_text(FOUND)
    assert pf.format() == FOUND and pf.expression == "" and len(pf.terms) == 2
    assert pf.terms[1] == Term(0.25, 81.3, 100.6, "slogdet(KH)")
    assert pf.setup_dict == {"resolution": 64, "batch_size": 8, "seed": 0}
    for path in FILES:  # single-expression files are unchanged by the format
        assert read_proxy_file(path).format() == path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "line, message",
    [
        ("# term: 1 2 KH\n", "needs <weight> <lo> <hi> <expression>"),
        ("# term: one 0 1 KH\n", "must be numbers"),
        ("# term: 1 2 1 slogdet(KH)\n", "hi > lo"),
        ("# term: 1 0 nan slogdet(KH)\n", "finite"),
        ("# setup: resolution=big\n", "resolution must be N or HxW"),
        ("# setup: seed\n", "items are key=value"),
        ("# term: 1 0 1 slogdet(KH)\nslogdet(KH)\n", "one expression or '# term:' lines, not both"),
        ("# term: 1 0 1 KH\n" * 5, "at most 4"),
    ],
)
def test_bad_found_proxy_lines_name_the_problem(line, message):
    with pytest.raises(ValueError, match=message):
        parse_proxy_text("# name: x\n# provenance: p\n# sign: +1\n" + line, "<t>")


def test_write_found_proxy_checks_its_terms(tmp_path):
    path = write_found_proxy(tmp_path / "w.proxy", [(1, 0, 2, "slogdet(KH)")], {"resolution": (64, 128)}, "p")
    pf = read_proxy_file(path)
    assert pf.terms == (Term(1.0, 0.0, 2.0, "slogdet(KH)"),) and pf.setup_dict == {"resolution": [64, 128]}
    with pytest.raises(ValueError, match="position"):
        write_found_proxy(tmp_path / "bad.proxy", [(1, 0, 2, "slogdet(KH")], {}, "p")
    assert not (tmp_path / "bad.proxy").exists()
