"""A labelled set for work merging, built from real records (issue 19, item 6).

Real OpenAlex records (the SYNERGY sample) are written again as the exports a user would
download for the same papers — RIS, BibTeX, Web of Science plain text and Scopus CSV, in the
formats forcemap's readers take — with seeded, realistic damage:

* the DOI missing from a third of the export records;
* titles re-cased (upper, lower, title case) and re-punctuated (hyphens, colons, final
  period), some cut at the colon (subtitle dropped), a few with one typo;
* authors as initials (``Linehan, M. M.`` / ``Linehan MM``), some records without authors;
* the venue abbreviated (``J. Clin. Psychol.``), upper-cased or missing; pages kept;
* the year sometimes missing or one year off (online-first vs issue year).

The sample mixes random papers with *hard negatives*: different papers sharing the first
author and year, or the first title words (series papers). ``part`` splits the sample by a
hash of the OpenAlex id, so a held-out check uses other papers than the development set.
:func:`pairwise_quality` scores a store's works against the truth (pairs of records of the
same paper), and :func:`baseline_quality` the simple baseline (same normalised title and
year).
"""

from __future__ import annotations

import copy
import csv
import functools
import gzip
import hashlib
import json
import random
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from forcemap.store.store import Store

__all__ = [
    "LabelledSet",
    "Quality",
    "baseline_quality",
    "build_labelled_set",
    "pairwise_quality",
    "sample_openalex",
]

_STOP = {"of", "the", "and", "for", "in", "on", "a", "an", "&", "to"}


@dataclass(frozen=True)
class LabelledSet:
    """The files of a labelled set and the truth: ``truth`` maps every record id the readers
    give (``W…``, ``ris:…``, ``bib:…``, ``WOS:…``, ``scopus:…``) to its paper's OpenAlex id."""

    openalex: Path
    exports: dict[str, Path]  # source -> file
    truth: dict[str, str]
    papers: int


@dataclass(frozen=True)
class Quality:
    """Pairwise precision and recall: ``tp`` record pairs put in one work that are one
    paper, ``fp`` put together but different papers, ``fn`` one paper left apart."""

    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        """tp / (tp + fp); 1.0 when nothing was merged."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        """tp / (tp + fn); 1.0 when there is nothing to merge."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def _oa_id(rec: dict[str, Any]) -> str:
    return str(rec["id"]).rsplit("/", 1)[-1]


def _part(wid: str) -> int:
    return int(hashlib.sha256(wid.encode()).hexdigest()[:8], 16) % 2


def _iter(path: Path) -> Iterator[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


@functools.lru_cache(maxsize=2)
def _read(path: str) -> tuple[dict[str, Any], ...]:
    """The records of a gzipped JSON Lines file, read once per process (callers copy)."""
    return tuple(_iter(Path(path)))


def _first_surname(rec: dict[str, Any]) -> str:
    au = rec.get("authorships") or []
    if not au:
        return ""
    name = (au[0].get("author") or {}).get("display_name") or ""
    return _split_name(name)[0].lower()


def _title_words(rec: dict[str, Any], k: int) -> str:
    words = re.findall(r"[a-z0-9]+", (rec.get("title") or "").lower())
    return " ".join(words[:k]) if len(words) >= k + 2 else ""


def sample_openalex(
    path: str | Path, *, n: int, seed: int, part: int = 0, hard_share: float = 0.4
) -> list[dict[str, Any]]:
    """``n`` OpenAlex records of ``path`` (JSON Lines, gzipped) from hash partition ``part``
    (0 or 1), a ``hard_share`` of them in groups of different papers with the same first
    author and year or the same first four title words; seeded."""
    recs = [
        r
        for r in _read(str(path))
        if r.get("title") and _part(_oa_id(r)) == part and r.get("publication_year")
    ]
    rng = random.Random(seed)
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in recs:
        sn = _first_surname(r)
        if sn:
            groups[f"a|{sn}|{r['publication_year']}"].append(r)
        tw = _title_words(r, 4)
        if tw:
            groups[f"t|{tw}"].append(r)
    hard = sorted((k for k, v in groups.items() if 2 <= len(v) <= 6), key=str)
    rng.shuffle(hard)
    chosen: dict[str, dict[str, Any]] = {}
    for k in hard:
        if len(chosen) >= n * hard_share:
            break
        for r in groups[k]:
            chosen[_oa_id(r)] = r
    rest = [r for r in recs if _oa_id(r) not in chosen]
    rng.shuffle(rest)
    for r in rest:
        if len(chosen) >= n:
            break
        chosen[_oa_id(r)] = r
    return [copy.deepcopy(r) for r in sorted(chosen.values(), key=_oa_id)]


# -- damage ------------------------------------------------------------------------------------

_PARTICLES = {"van", "von", "de", "der", "den", "del", "della", "di", "da", "du", "le", "la"}


_INITIALS = re.compile(r"^(?:[A-Z]{1,3}|[A-Z][a-z]|(?:[A-Z]\.-?){1,3})$")


def _split_name(name: str) -> tuple[str, list[str]]:
    """(surname, given names) of an OpenAlex display name ``Given M. de Surname`` (or
    ``Surname GM`` as PubMed-derived records spell it)."""
    if "," in name:
        sn, _, given = name.partition(",")
        return sn.strip(), given.split()
    toks = name.split()
    if not toks:
        return "", []
    if len(toks) > 1 and len(toks[0]) > 2 and _INITIALS.match(toks[-1]):
        return " ".join(toks[:-1]), list(re.sub(r"[.-]", "", toks[-1]).upper())
    i = len(toks) - 1
    while i > 0 and toks[i - 1] in _PARTICLES:
        i -= 1
    return " ".join(toks[i:]), toks[:i]


def _initials(given: list[str]) -> list[str]:
    return [g[0].upper() for g in given if g and g[0].isalpha()]


def _author(name: str, style: str) -> str:
    surname, given = _split_name(name)
    ini = _initials(given)
    if style == "full" and given:
        return f"{surname}, {' '.join(given)}"
    if style == "wos":
        return f"{surname}, {''.join(ini)}" if ini else surname
    return f"{surname}, {' '.join(i + '.' for i in ini)}" if ini else surname


def _abbrev(venue: str) -> str:
    out = []
    for w in re.findall(r"[A-Za-z]+", venue):
        if w.lower() in _STOP:
            continue
        out.append(w if len(w) <= 4 else w[: 4 if len(w) > 6 else 3] + ".")
    return " ".join(out)


def _retitle(title: str, rng: random.Random) -> str:
    t = re.sub(r"<[^>]+>", "", title).strip()
    r = rng.random()
    if r < 0.15 and ":" in t and len(t.split(":")[0]) >= 25:
        t = t.split(":")[0]
    if rng.random() < 0.3:
        t = t.replace("-", " " if rng.random() < 0.5 else "")
    if rng.random() < 0.3:
        t = t.replace(":", ".").replace(" - ", ": ")
    if rng.random() < 0.3:
        t = t.rstrip(".") + "."
    if rng.random() < 0.08:
        words = t.split()
        long = [i for i, w in enumerate(words) if len(w) > 5]
        if long:
            i = rng.choice(long)
            w = words[i]
            j = rng.randrange(1, len(w) - 2)
            words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
            t = " ".join(words)
    case = rng.random()
    if case < 0.25:
        t = t.upper()
    elif case < 0.4:
        t = t.lower()
    elif case < 0.6:
        t = t.title()
    return t


@dataclass
class _Rec:
    key: str
    doi: str | None
    title: str
    year: int | None
    authors: list[str]
    venue: str | None
    first_page: str | None
    last_page: str | None


def _damage(rec: dict[str, Any], rng: random.Random, style: str) -> _Rec:
    oa = _oa_id(rec)
    doi = (rec.get("doi") or "").replace("https://doi.org/", "") or None
    if doi and rng.random() < 1 / 3:
        doi = None
    year = rec.get("publication_year")
    r = rng.random()
    if r < 0.03:
        year = None
    elif r < 0.06 and year:
        year = int(year) + rng.choice((-1, 1))
    names = [
        (a.get("author") or {}).get("display_name") or "" for a in rec.get("authorships") or []
    ]
    names = [n for n in names if n.strip()]
    astyle = rng.choice(("initials", "full")) if style != "wos" else "wos"
    authors = [] if rng.random() < 0.05 else [_author(n, astyle) for n in names]
    src = _venue(rec)
    venue: str | None = src
    r = rng.random()
    if src and r < 0.45:
        venue = _abbrev(src)
    elif r < 0.55:
        venue = None
    if venue and style == "wos":
        venue = venue.upper()
    bib = rec.get("biblio") or {}
    return _Rec(
        key=oa,
        doi=doi,
        title=_retitle(rec.get("title") or "", rng),
        year=int(year) if year else None,
        authors=authors,
        venue=venue,
        first_page=bib.get("first_page"),
        last_page=bib.get("last_page"),
    )


def _venue(rec: dict[str, Any]) -> str | None:
    src = ((rec.get("primary_location") or {}).get("source") or {}).get("display_name")
    return src or (rec.get("host_venue") or {}).get("display_name")


def _undamaged(rec: dict[str, Any]) -> _Rec:
    names = [
        (a.get("author") or {}).get("display_name") or "" for a in rec.get("authorships") or []
    ]
    bib = rec.get("biblio") or {}
    return _Rec(
        key=_oa_id(rec),
        doi=(rec.get("doi") or "").replace("https://doi.org/", "") or None,
        title=re.sub(r"<[^>]+>", "", rec.get("title") or ""),
        year=rec.get("publication_year"),
        authors=[_author(n, "full") for n in names if n.strip()],
        venue=_venue(rec),
        first_page=bib.get("first_page"),
        last_page=bib.get("last_page"),
    )


# -- writers -------------------------------------------------------------------------------


def _clean(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


def _write_ris(recs: list[_Rec], path: Path) -> None:
    lines: list[str] = []
    for r in recs:
        lines.append("TY  - JOUR")
        lines += [f"AU  - {a}" for a in r.authors]
        lines.append(f"TI  - {_clean(r.title)}")
        if r.venue:
            lines.append(f"T2  - {r.venue}")
        if r.year:
            lines.append(f"PY  - {r.year}")
        if r.first_page:
            lines.append(f"SP  - {r.first_page}")
        if r.last_page:
            lines.append(f"EP  - {r.last_page}")
        if r.doi:
            lines.append(f"DO  - {r.doi}")
        lines += ["ER  - ", ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def _bib_escape(s: str) -> str:
    s = re.sub(r"[{}\\]", "", s)
    return s.replace("%", r"\%").replace("&", r"\&").replace("#", r"\#").replace("$", r"\$")


def _write_bibtex(recs: list[_Rec], path: Path) -> None:
    out: list[str] = []
    for r in recs:
        out.append(f"@article{{{r.key.lower()}x,")
        if r.authors:
            out.append(f"  author = {{{_bib_escape(' and '.join(r.authors))}}},")
        out.append(f"  title = {{{_bib_escape(_clean(r.title))}}},")
        if r.venue:
            out.append(f"  journal = {{{_bib_escape(r.venue)}}},")
        if r.year:
            out.append(f"  year = {{{r.year}}},")
        if r.first_page:
            pages = r.first_page + (f"--{r.last_page}" if r.last_page else "")
            out.append(f"  pages = {{{_bib_escape(pages)}}},")
        if r.doi:
            out.append(f"  doi = {{{_bib_escape(r.doi)}}},")
        out += ["}", ""]
    path.write_text("\n".join(out), encoding="utf-8")


def _ut(key: str) -> str:
    return "WOS:" + str(int(hashlib.sha256(key.encode()).hexdigest()[:12], 16) % 10**15).zfill(15)


def _write_wos(recs: list[_Rec], path: Path) -> None:
    lines = ["FN Clarivate Analytics Web of Science", "VR 1.0"]
    for r in recs:
        lines.append("PT J")
        if r.authors:
            lines.append(f"AU {r.authors[0]}")
            lines += [f"   {a}" for a in r.authors[1:]]
        lines.append(f"TI {_clean(r.title)}")
        if r.venue:
            lines.append(f"SO {r.venue}")
        if r.year:
            lines.append(f"PY {r.year}")
        if r.first_page:
            lines.append(f"BP {r.first_page}")
        if r.last_page:
            lines.append(f"EP {r.last_page}")
        if r.doi:
            lines.append(f"DI {r.doi}")
        lines += [f"UT {_ut(r.key)}", "ER", ""]
    lines.append("EF")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _eid(key: str) -> str:
    return "2-s2.0-" + str(int(hashlib.sha256(key.encode()).hexdigest()[:12], 16) % 10**11)


def _write_scopus(recs: list[_Rec], path: Path) -> None:
    cols = ["Authors", "Title", "Year", "Source title", "Page start", "Page end", "DOI", "EID"]
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, quoting=csv.QUOTE_ALL)
        w.writerow(cols)
        for r in recs:
            w.writerow(
                [
                    "; ".join(r.authors),
                    _clean(r.title),
                    r.year or "",
                    r.venue or "",
                    r.first_page or "",
                    r.last_page or "",
                    r.doi or "",
                    _eid(r.key),
                ]
            )


_WRITERS = {
    "ris": (_write_ris, ".ris", "initials"),
    "bibtex": (_write_bibtex, ".bib", "initials"),
    "wos": (_write_wos, ".txt", "wos"),
    "scopus": (_write_scopus, ".csv", "initials"),
}


def _record_ids(source: str, path: Path) -> list[str]:
    """The ids the real reader gives the file's records, in file order."""
    from forcemap.store.ingest.ris_bibtex import BIBTEX, RIS
    from forcemap.store.ingest.scopus import SCOPUS
    from forcemap.store.ingest.wos import WOS

    fmt = {"ris": RIS, "bibtex": BIBTEX, "wos": WOS, "scopus": SCOPUS}[source]
    split = fmt.read(path)
    return [fmt.convert(item).work_id for item in split.items]  # type: ignore[arg-type]


def build_labelled_set(
    records: list[dict[str, Any]],
    out_dir: str | Path,
    *,
    seed: int,
    coverage: float = 0.7,
    damage: bool = True,
) -> LabelledSet:
    """Write ``records`` as OpenAlex JSON Lines and, each paper with probability
    ``coverage`` per format, as RIS, BibTeX, WoS and Scopus exports, damaged as the module
    says unless ``damage`` is false (then the exports carry the records' own DOI, title,
    year, venue and full author names); seeded."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    oa_path = out / "openalex.jsonl"
    with open(oa_path, "w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r) + "\n")
    truth = {_oa_id(r): _oa_id(r) for r in records}
    exports: dict[str, Path] = {}
    for source, (write, suffix, style) in _WRITERS.items():
        chosen = [r for r in records if rng.random() < coverage]
        damaged = [_damage(r, rng, style) if damage else _undamaged(r) for r in chosen]
        path = out / f"{source}{suffix}"
        write(damaged, path)
        ids = _record_ids(source, path)
        if len(ids) != len(damaged):
            raise ValueError(f"{path}: {len(ids)} records read back, {len(damaged)} written")
        for rid, d in zip(ids, damaged, strict=True):
            truth[rid] = d.key
        exports[source] = path
    return LabelledSet(openalex=oa_path, exports=exports, truth=truth, papers=len(records))


# -- scoring -------------------------------------------------------------------------------


def _truth_table(truth: dict[str, str]) -> pa.Table:
    return pa.table({"record_id": list(truth), "paper": list(truth.values())})


def pairwise_quality(store: Store, truth: dict[str, str]) -> Quality:
    """Pairwise precision/recall of the store's works (``work_records``, and every other
    work as a record of its own) against ``truth`` (record id → paper), over the records
    the truth names."""
    t = _truth_table(truth)
    with store.query_cursor("work merge quality") as cur:
        cur.register("_truth", t)
        cur.execute(
            """CREATE TEMP TABLE _q AS
               SELECT t.record_id, t.paper,
                      coalesce(r.work_id, w.work_id) AS work_id
               FROM _truth t LEFT JOIN work_records r USING (record_id)
               LEFT JOIN works w ON w.work_id = t.record_id"""
        )
        return _pairs(cur)


def baseline_quality(store: Store, truth: dict[str, str]) -> Quality:
    """The baseline: records with the same normalised title (letters and digits, lower
    case) and year are one paper. Read from the records' own rows (merged or not)."""
    t = _truth_table(truth)
    with store.query_cursor("baseline quality") as cur:
        cur.register("_truth", t)
        cur.execute(
            """CREATE TEMP TABLE _q AS
               WITH rec AS (SELECT work_id, title, year FROM record_works
                            UNION ALL SELECT work_id, title, year FROM works
                            WHERE work_id NOT IN (SELECT record_id FROM work_records))
               SELECT t.record_id, t.paper,
                 coalesce(regexp_replace(lower(strip_accents(r.title)), '[^a-z0-9]', '', 'g')
                          || '|' || r.year, t.record_id) AS work_id
               FROM _truth t LEFT JOIN rec r ON r.work_id = t.record_id"""
        )
        return _pairs(cur)


def _pairs(cur: Any) -> Quality:
    row = cur.execute(
        """WITH p AS (SELECT a.record_id AS x, b.record_id AS y,
                             a.paper = b.paper AS same_paper,
                             a.work_id = b.work_id AS same_work
                      FROM _q a JOIN _q b ON a.record_id < b.record_id
                      AND (a.paper = b.paper OR a.work_id = b.work_id))
           SELECT count(*) FILTER (WHERE same_paper AND same_work),
                  count(*) FILTER (WHERE same_work AND NOT same_paper),
                  count(*) FILTER (WHERE same_paper AND NOT same_work) FROM p"""
    ).fetchall()[0]
    return Quality(tp=int(row[0]), fp=int(row[1]), fn=int(row[2]))
