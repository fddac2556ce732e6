"""The synthetic world written in real input formats (private to :mod:`forcemap.store.synth`).

The arrays of :mod:`forcemap.store._synth_model` become OpenAlex works and institutions
(gzipped JSON Lines), PatentsView ``g_*.tsv`` tables, forcemap project CSVs and a BACI trade
CSV; the identifiers they are given (``W5…``, ``A5…``, ``I5…``, patents from 20,000,001) name
the planted facts of the manifest (:func:`planted_facts`).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from forcemap.store._synth_data import (
    BOTTLENECK_CPC,
    COUNTRIES,
    FILLER_HS6,
    FIRST_NAMES,
    GENERIC_WORDS,
    INDUSTRIES,
    INDUSTRY_HS6,
    LAST_NAMES,
    TITLE_PHRASES,
    TOPICS,
)
from forcemap.store._synth_model import (
    BROKER_COUNTRY,
    COMM_A_IND,
    COMM_B_IND,
    DEPENDENT,
    EMERGING_TOPIC,
    IND_KEYS,
    LEAD_COUNTRY,
    LEAD_INDUSTRY,
    ORG_TYPES,
    STRONG_INDUSTRY,
    World,
)
from forcemap.store.ingest.patentsview import PATENTSVIEW_TABLES

__all__ = [
    "Progress",
    "org_names",
    "planted_facts",
    "write_openalex",
    "write_patentsview",
    "write_projects",
    "write_trade",
]

Progress = Callable[[str, int, int], None]

_OA = "https://openalex.org/"
_W0, _X0, _A0, _I0 = 5_000_000_000, 5_900_000_000, 5_000_000_000, 5_000_000
_P0 = 20_000_001  # synthetic US patent numbers start past any real grant
_WORKS_PER_PART = 10_000
_UPDATED = "2024-01-01"
_B32 = "0123456789abcdefghjkmnpqrstvwxyz"
_BOTTLENECK_HS6 = "848620"
_HOLDERS_ORIGIN = ("NL", "JP")
_CITIES = [(i, c) for i, country in enumerate(COUNTRIES) for c in country[5]]


# ---- helpers ----------------------------------------------------------------------------


def _ror(o: int) -> str:
    """A well-formed ROR id (0 + 6 base32 characters + ISO 7064 mod 97-10 checksum)."""
    n = (o * 7_919_611 + 104_729) % (32**6)
    body = "0" + "".join(_B32[(n >> (5 * k)) & 31] for k in range(5, -1, -1))
    return f"https://ror.org/{body}{98 - (n * 100) % 97:02d}"


def _uuids(rng: np.random.Generator, n: int) -> list[str]:
    raw = rng.bytes(16 * n).hex()
    return [
        f"{raw[k : k + 8]}-{raw[k + 8 : k + 12]}-{raw[k + 12 : k + 16]}-"
        f"{raw[k + 16 : k + 20]}-{raw[k + 20 : k + 32]}"
        for k in range(0, 32 * n, 32)
    ]


def org_names(w: World) -> list[str]:
    kinds = {
        "education": "University",
        "company": "Technologies Co.",
        "government": "National Laboratory",
        "facility": "Research Facility",
        "healthcare": "Hospital",
        "nonprofit": "Foundation",
        "other": "Institute",
    }
    out = []
    for o in range(len(w.org_country)):
        city = _CITIES[int(w.org_city[o])][1][0]
        ind = IND_KEYS[int(w.org_ind[o, 0])].replace("_", " ").title()
        kind = kinds[ORG_TYPES[int(w.org_type[o])]]
        out.append(f"{city} {ind} {kind} {o} (synthetic)")
    return out


def _dates(days: np.ndarray) -> list[str]:
    return [str(d) for d in (np.datetime64("1970-01-01") + days.astype("timedelta64[D]"))]


def _person(k: int) -> tuple[str, str]:
    return FIRST_NAMES[(k * 7) % len(FIRST_NAMES)], LAST_NAMES[(k * 13 + k // 7) % len(LAST_NAMES)]


# ---- OpenAlex ---------------------------------------------------------------------------


def _topic_obj(tid: str, score: float) -> dict[str, Any]:
    name, sf, sfn, f, fn, d, dn = TOPICS[tid]
    return {
        "id": _OA + tid,
        "display_name": name,
        "score": score,
        "subfield": {"id": f"{_OA}subfields/{sf}", "display_name": sfn},
        "field": {"id": f"{_OA}fields/{f}", "display_name": fn},
        "domain": {"id": f"{_OA}domains/{d}", "display_name": dn},
    }


def _gz_lines(path: Path, lines: list[str]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    with (
        open(path, "wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6) as gz,
    ):
        gz.write(("\n".join(lines) + "\n").encode("utf-8"))
    return len(lines)


def write_openalex(
    root: Path, w: World, names: list[str], rng: np.random.Generator, report: Progress
) -> dict[str, int]:
    n_w, n_org = len(w.w_year), len(w.org_country)
    inst = [
        {
            "id": f"{_OA}I{_I0 + o}",
            "display_name": names[o],
            "ror": _ror(o),
            "country_code": COUNTRIES[int(w.org_country[o])][0],
            "type": ORG_TYPES[int(w.org_type[o])],
        }
        for o in range(n_org)
    ]
    affil = [
        f"{names[o]}, {_CITIES[int(w.org_city[o])][1][0]}, {COUNTRIES[int(w.org_country[o])][2]}"
        for o in range(n_org)
    ]
    n_auth = len(w.auth_home)
    has_orcid = rng.random(n_auth) < 0.4
    orcid_n = rng.integers(0, 10**12, n_auth)
    authors = []
    for a in range(n_auth):
        first, last = _person(a)
        digits = str(orcid_n[a]).zfill(12)
        authors.append(
            {
                "id": f"{_OA}A{_A0 + a}",
                "display_name": f"{first} {last}",
                "orcid": f"https://orcid.org/0000-{digits[:4]}-{digits[4:8]}-{digits[8:]}"
                if has_orcid[a]
                else None,
            }
        )
    ind_keys = list(INDUSTRIES)
    sources = [
        [
            {
                "id": f"{_OA}S{5_000_000 + 10 * g + k}",
                "display_name": f"Synthetic Journal of {key.replace('_', ' ').title()} {k + 1}",
                "type": "journal",
            }
            for k in range(4)
        ]
        for g, key in enumerate(ind_keys)
    ]
    vocab = [[t for kw in INDUSTRIES[k][3] for t in kw.split()] for k in ind_keys]
    # per-work random draws, vectorised
    month = rng.integers(1, 13, n_w)
    day = rng.integers(1, 29, n_w)
    src = rng.integers(0, 4, n_w)
    n_words = rng.integers(30, 90, n_w)
    has_abs = rng.random(n_w) < 0.9
    word_ptr = np.concatenate([[0], np.cumsum(n_words)])
    word_u = rng.random(int(word_ptr[-1]))
    word_kw = rng.random(int(word_ptr[-1])) < 0.3
    kw_pick = rng.integers(0, 1 << 30, (n_w, 3))
    n_conc = rng.integers(2, 4, n_w)
    c_scores = np.round(rng.uniform(0.3, 0.95, (n_w, 3)), 6)
    t_scores = np.round(rng.uniform(0.9, 0.999, (n_w, 3)) * [1.0, 0.8, 0.7], 4)
    n_tops = rng.integers(1, 4, n_w)
    t_other = rng.integers(1, 1 << 30, (n_w, 2))
    lines: list[str] = []
    part = 0
    wdir = root / "openalex" / "works" / f"updated_date={_UPDATED}"
    n_parts = (n_w + _WORKS_PER_PART - 1) // _WORKS_PER_PART
    for i in range(n_w):
        g = int(w.w_ind[i])
        key = ind_keys[g]
        _, concepts, topics, keywords = INDUSTRIES[key]
        year = int(w.w_year[i])
        wid = f"W{_W0 + i}"
        kw = [keywords[int(kw_pick[i, k]) % len(keywords)] for k in range(3)]
        phrases = TITLE_PHRASES.get(key)
        if phrases and int(kw_pick[i, 2]) % 6 == 0:
            kw[1] = phrases[(int(kw_pick[i, 2]) // 6) % len(phrases)]
        t0 = int(w.w_topic[i])
        tlist = [t0] + [(t0 + int(t_other[i, k])) % len(topics) for k in range(int(n_tops[i]) - 1)]
        tlist = list(dict.fromkeys(tlist))
        tobjs = [_topic_obj(topics[t], float(t_scores[i, k])) for k, t in enumerate(tlist)]
        title = (
            f"[synthetic] {kw[0].capitalize()} and {kw[1]} for "
            f"{TOPICS[topics[t0]][0].lower()} ({wid})"
        )
        auths = []
        lo, hi = int(w.w_ptr[i]), int(w.w_ptr[i + 1])
        for k in range(lo, hi):
            o = int(w.a_org[k])
            auths.append(
                {
                    "author_position": "first"
                    if k == lo
                    else ("last" if k == hi - 1 else "middle"),
                    "author": authors[int(w.a_author[k])],
                    "institutions": [inst[o]],
                    "countries": [inst[o]["country_code"]],
                    "is_corresponding": k == lo,
                    "raw_affiliation_strings": [affil[o]],
                }
            )
        abstract = None
        if has_abs[i]:
            s, e = int(word_ptr[i]), int(word_ptr[i + 1])
            voc = vocab[g]
            inv: dict[str, list[int]] = {}
            for pos in range(e - s):
                u = word_u[s + pos]
                wd = (
                    voc[int(u * len(voc))]
                    if word_kw[s + pos]
                    else GENERIC_WORDS[int(u * len(GENERIC_WORDS))]
                )
                inv.setdefault(wd, []).append(pos)
            abstract = inv
        date = f"{year}-{int(month[i]):02d}-{int(day[i]):02d}"
        refs = [f"{_OA}W{_W0 + int(c)}" for c in w.r_cited[w.r_ptr[i] : w.r_ptr[i + 1]]]
        refs += [f"{_OA}W{_X0 + int(x)}" for x in w.x_ref[w.x_ptr[i] : w.x_ptr[i + 1]]]
        rec = {
            "id": _OA + wid,
            "doi": f"https://doi.org/10.5555/synthetic.{_W0 + i}",
            "title": title,
            "display_name": title,
            "publication_year": year,
            "publication_date": date,
            "ids": {"openalex": _OA + wid, "doi": f"https://doi.org/10.5555/synthetic.{_W0 + i}"},
            "language": "en",
            "type": "article",
            "primary_location": {"is_oa": False, "source": sources[g][int(src[i])]},
            "authorships": auths,
            "cited_by_count": int(w.w_cites[i]),
            "concepts": [
                {
                    "id": _OA + concepts[(k + i) % len(concepts)][0],
                    "display_name": concepts[(k + i) % len(concepts)][1],
                    "level": concepts[(k + i) % len(concepts)][2],
                    "score": float(c_scores[i, k]),
                }
                for k in range(min(int(n_conc[i]), len(concepts)))
            ],
            "primary_topic": tobjs[0],
            "topics": tobjs,
            "referenced_works": refs,
            "abstract_inverted_index": abstract,
            "updated_date": f"{_UPDATED}T00:00:00.000000",
            "created_date": date,
        }
        lines.append(json.dumps(rec, ensure_ascii=False, separators=(",", ":")))
        if len(lines) == _WORKS_PER_PART or i == n_w - 1:
            _gz_lines(wdir / f"part_{part:03d}.gz", lines)
            lines = []
            part += 1
            report("openalex works", part, n_parts)
    # institution entities (publishing organisations only)
    pairs = np.unique(np.repeat(np.arange(n_w), np.diff(w.w_ptr)) * n_org + w.a_org)
    works_count = np.bincount(pairs % n_org, minlength=n_org)
    ilines = []
    for org in np.flatnonzero(w.org_pub):
        city, state, lat, lon = _CITIES[int(w.org_city[org])][1]
        rec = {
            **inst[org],
            "display_name_alternatives": [],
            "geo": {
                "city": city,
                "region": state or None,
                "country_code": inst[org]["country_code"],
                "country": COUNTRIES[int(w.org_country[org])][2],
                "latitude": lat,
                "longitude": lon,
            },
            "works_count": int(works_count[org]),
            "updated_date": f"{_UPDATED}T00:00:00.000000",
            "created_date": "2016-06-24",
        }
        ilines.append(json.dumps(rec, ensure_ascii=False, separators=(",", ":")))
    idir = root / "openalex" / "institutions" / f"updated_date={_UPDATED}"
    _gz_lines(idir / "part_000.gz", ilines)
    return {
        "works": n_w,
        "work_parts": part,
        "authorships": len(w.a_author),
        "authors": n_auth,
        "institutions": len(ilines),
        "organizations": n_org,
        "work_references": len(w.r_cited),
        "external_references": len(w.x_ref),
    }


# ---- PatentsView ------------------------------------------------------------------------


def _write_tsv(path: Path, table: str, rows: list[dict[str, Any]]) -> int:
    cols = PATENTSVIEW_TABLES[table]
    buf = io.StringIO()
    wr = csv.writer(buf, delimiter="\t", quoting=csv.QUOTE_ALL, lineterminator="\n")
    wr.writerow(cols)
    wr.writerows([r.get(c, "") for c in cols] for r in rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return len(rows)


def _cpc_row(pid: str, seq: int, sym: str) -> dict[str, Any]:
    return {
        "patent_id": pid,
        "cpc_sequence": seq,
        "cpc_section": sym[0],
        "cpc_class": sym[:3],
        "cpc_subclass": sym[:4],
        "cpc_group": sym,
        "cpc_type": "inventive" if seq == 0 else "additional",
    }


def write_patentsview(
    root: Path, w: World, names: list[str], rng: np.random.Generator, report: Progress
) -> tuple[list[str], dict[str, int]]:
    pdir = root / "patentsview"
    n_p, n_org = len(w.p_day), len(w.org_country)
    loc_ids = _uuids(rng, len(_CITIES))
    assignee_ids = _uuids(rng, n_org)
    n_inv = len(w.inv_org)
    inv_ids = [f"synth-inv-{k:07d}" for k in range(n_inv)]
    indiv_ids = _uuids(rng, n_inv)
    grant, filing = _dates(w.p_day), _dates(w.p_fday)
    claims = rng.integers(3, 40, n_p)
    kind_b1 = rng.random(n_p) < 0.1
    n_cpc = rng.integers(1, 4, n_p)
    cpc_u = rng.integers(0, 1 << 30, (n_p, 3))
    gender = rng.random(n_inv) < 0.7
    cat = rng.random(len(w.pc_citing)) < 0.6
    patents, apps, cpcs, assignees, inventors, cites = [], [], [], [], [], []
    for i in range(n_p):
        pid = str(_P0 + i)
        key = IND_KEYS[int(w.p_ind[i])]
        symbols = INDUSTRIES[key][0]
        kw = INDUSTRIES[key][3]
        patents.append(
            {
                "patent_id": pid,
                "patent_type": "utility",
                "patent_date": grant[i],
                "patent_title": f"[synthetic] {kw[int(cpc_u[i, 0]) % len(kw)].capitalize()} "
                f"apparatus and method ({pid})",
                "patent_abstract": f"[synthetic] A {kw[int(cpc_u[i, 1]) % len(kw)]} system "
                f"using {kw[int(cpc_u[i, 2]) % len(kw)]} is disclosed.",
                "wipo_kind": "B1" if kind_b1[i] else "B2",
                "num_claims": int(claims[i]),
                "withdrawn": "0",
                "filename": f"ipg{grant[i][2:].replace('-', '')}.xml",
            }
        )
        series = 9 + (int(w.p_fday[i]) - 10_957) // 1_100
        apps.append(
            {
                "application_id": f"{series:02d}/{(i * 7_919) % 1_000_000:06d}",
                "patent_id": pid,
                "patent_application_type": f"{series:02d}",
                "filing_date": filing[i],
                "series_code": f"{series:02d}",
                "rule_47_flag": "FALSE",
            }
        )
        if w.p_bottleneck[i]:
            syms = [BOTTLENECK_CPC[int(cpc_u[i, 0]) % len(BOTTLENECK_CPC)]]
            syms.append(symbols[int(cpc_u[i, 1]) % len(symbols)])
        else:
            syms = [symbols[int(cpc_u[i, k]) % len(symbols)] for k in range(int(n_cpc[i]))]
        for seq, sym in enumerate(dict.fromkeys(syms)):
            cpcs.append(_cpc_row(pid, seq, sym))
        inv_k = w.p_inv[w.p_iptr[i] : w.p_iptr[i + 1]]
        for seq, o in enumerate(w.p_aorg[w.p_aptr[i] : w.p_aptr[i + 1]]):
            row: dict[str, Any] = {"patent_id": pid, "assignee_sequence": seq}
            if o >= 0:
                cty = COUNTRIES[int(w.org_country[o])][0]
                gov = ORG_TYPES[int(w.org_type[o])] == "government"
                row.update(
                    assignee_id=assignee_ids[o],
                    disambig_assignee_organization=names[o],
                    assignee_type=(6 if gov else 2) if cty == "US" else (7 if gov else 3),
                    location_id=loc_ids[int(w.org_city[o])],
                )
            else:  # an individual owner: the (only) inventor
                k = int(inv_k[0])
                first, last = _person(k + 7)
                cty = COUNTRIES[_CITIES[int(w.inv_city[k])][0]][0]
                row.update(
                    assignee_id=indiv_ids[k],
                    disambig_assignee_individual_name_first=first,
                    disambig_assignee_individual_name_last=last,
                    assignee_type=4 if cty == "US" else 5,
                    location_id=loc_ids[int(w.inv_city[k])],
                )
            assignees.append(row)
        for seq, k in enumerate(inv_k):
            first, last = _person(int(k) + 7)
            inventors.append(
                {
                    "patent_id": pid,
                    "inventor_sequence": seq,
                    "inventor_id": inv_ids[k],
                    "disambig_inventor_name_first": first,
                    "disambig_inventor_name_last": last,
                    "gender_code": "M" if gender[k] else "F",
                    "location_id": loc_ids[int(w.inv_city[k])],
                }
            )
    report("patentsview", 1, 2)
    seq_start = np.searchsorted(w.pc_citing, w.pc_citing)
    for e in range(len(w.pc_citing)):
        c = int(w.pc_cited[e])
        cites.append(
            {
                "patent_id": str(_P0 + int(w.pc_citing[e])),
                "citation_sequence": int(e - seq_start[e]),
                "citation_patent_id": str(_P0 + c),
                "citation_date": grant[c],
                "record_name": "",
                "wipo_kind": "B1" if kind_b1[c] else "B2",
                "citation_category": "cited by examiner" if cat[e] else "cited by applicant",
            }
        )
    locations = []
    for k, (ci, (city, state, lat, lon)) in enumerate(_CITIES):
        locations.append(
            {
                "location_id": loc_ids[k],
                "disambig_city": city,
                "disambig_state": state,
                "disambig_country": COUNTRIES[ci][0],
                "latitude": lat,
                "longitude": lon,
            }
        )
    counts = {
        "patents": _write_tsv(pdir / "g_patent.tsv", "g_patent", patents),
        "applications": _write_tsv(pdir / "g_application.tsv", "g_application", apps),
        "patent_cpc": _write_tsv(pdir / "g_cpc_current.tsv", "g_cpc_current", cpcs),
        "patent_assignees": _write_tsv(
            pdir / "g_assignee_disambiguated.tsv", "g_assignee_disambiguated", assignees
        ),
        "patent_inventors": _write_tsv(
            pdir / "g_inventor_disambiguated.tsv", "g_inventor_disambiguated", inventors
        ),
        "locations": _write_tsv(
            pdir / "g_location_disambiguated.tsv", "g_location_disambiguated", locations
        ),
        "patent_citations": _write_tsv(
            pdir / "g_us_patent_citation.tsv", "g_us_patent_citation", cites
        ),
    }
    report("patentsview", 2, 2)
    return assignee_ids, counts


# ---- projects ---------------------------------------------------------------------------

_PROGRAMMES = (
    "Synthetic Key R&D Programme",
    "Synthetic Frontier Research Fund",
    "Synthetic Industrial Consortium Scheme",
    "Synthetic Disruptive Technology Call",
)


def _write_csv(path: Path, header: tuple[str, ...], rows: list[tuple[Any, ...]]) -> int:
    buf = io.StringIO()
    wr = csv.writer(buf, lineterminator="\n")
    wr.writerow(header)
    wr.writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return len(rows)


def _groups(
    org: np.ndarray, ind: np.ndarray, year: np.ndarray
) -> dict[tuple[int, int], np.ndarray]:
    """Item indices per (organisation, industry), each sorted by year."""
    order = np.lexsort((np.arange(len(org)), year, ind, org))
    key = org[order] * 100 + ind[order]
    cut = np.flatnonzero(np.diff(key)) + 1
    return {
        (int(k // 100), int(k % 100)): g
        for k, g in zip(key[np.r_[0, cut]], np.split(order, cut), strict=True)
    }


def write_projects(
    root: Path,
    w: World,
    names: list[str],
    assignee_ids: list[str],
    rng: np.random.Generator,
    scale: float,
    report: Progress,
) -> dict[str, int]:
    n_pr = max(12, round(300 * scale))
    lead = w.a_org[w.w_ptr[:-1]]
    by_work = _groups(lead, w.w_ind, w.w_year)
    p_first = w.p_aorg[w.p_aptr[:-1]]
    p_year = (np.datetime64("1970-01-01") + w.p_day.astype("timedelta64[D]")).astype(
        "datetime64[Y]"
    ).astype(int) + 1970
    ok = p_first >= 0
    by_pat = _groups(p_first[ok], w.p_ind[ok], p_year[ok])
    pat_idx = np.flatnonzero(ok)
    ind = rng.integers(0, len(IND_KEYS), n_pr)
    start = rng.integers(w.start, w.end - 1, n_pr)
    dur = rng.integers(3, 6, n_pr)
    budget = np.round(rng.lognormal(14.5, 0.8, n_pr), -3)
    prog = rng.integers(0, len(_PROGRAMMES), n_pr)
    n_part = rng.integers(2, 9, n_pr)
    dud = rng.random(n_pr) < 0.15
    term = rng.random(n_pr) < 0.06
    # participants: organisations whose home industries include the project's industry
    pool = [np.flatnonzero((w.org_ind == g).any(1)) for g in range(len(IND_KEYS))]
    projects, parts = [], []
    outs: list[tuple[str, str, str]] = []
    for p in range(n_pr):
        pid = f"SYN-P{p + 1:05d}"
        g = int(ind[p])
        key = IND_KEYS[g]
        kw = INDUSTRIES[key][3][p % len(INDUSTRIES[key][3])]
        s, e = int(start[p]), int(start[p] + dur[p])
        status = "terminated" if term[p] else ("completed" if e < w.end else "active")
        projects.append(
            (
                pid,
                f"[synthetic] {kw.capitalize()} for {key.replace('_', ' ')} ({pid})",
                _PROGRAMMES[int(prog[p])],
                f"{s}-01-01",
                f"{e}-12-31",
                f"{budget[p]:.0f}",
                "USD",
                f"Deliver publications and patents on {kw}; demonstrate a {kw} prototype.",
                status,
            )
        )
        members = rng.choice(pool[g], min(int(n_part[p]), len(pool[g])), replace=False)
        shares = rng.dirichlet(np.ones(len(members)))
        for k, o in enumerate(members):
            o = int(o)
            org_id = f"I{_I0 + o}" if w.org_pub[o] else f"patentsview:{assignee_ids[o]}"
            parts.append(
                (
                    pid,
                    org_id,
                    names[o],
                    "coordinator" if k == 0 else "partner",
                    ORG_TYPES[int(w.org_type[o])],
                    COUNTRIES[int(w.org_country[o])][0],
                    f"{budget[p] * shares[k]:.2f}",
                )
            )
            if dud[p]:
                continue
            ws = by_work.get((o, g), np.zeros(0, np.int64))
            ws = ws[(w.w_year[ws] >= s) & (w.w_year[ws] <= e + 1)][:8]
            outs.extend((pid, "work", f"W{_W0 + int(x)}") for x in ws)
            ps = by_pat.get((o, g), np.zeros(0, np.int64))
            ps = pat_idx[ps]
            ps = ps[(p_year[ps] > s) & (p_year[ps] <= e + 2)][:4]
            outs.extend((pid, "patent", f"US-{_P0 + int(x)}") for x in ps)
    pdir = root / "projects"
    counts = {
        "projects": _write_csv(
            pdir / "projects.csv",
            (
                "project_id",
                "title",
                "programme",
                "start_date",
                "end_date",
                "budget",
                "currency",
                "goals",
                "status",
            ),
            projects,
        ),
        "project_participants": _write_csv(
            pdir / "participants.csv",
            ("project_id", "org_id", "name", "role", "type", "country_code", "contribution"),
            parts,
        ),
        "project_outputs": _write_csv(
            pdir / "outputs.csv", ("project_id", "output_type", "output_id"), sorted(set(outs))
        ),
    }
    report("projects", 1, 1)
    return counts


# ---- trade ------------------------------------------------------------------------------


def write_trade(
    root: Path, rng: np.random.Generator, scale: float, start: int, end: int, report: Progress
) -> dict[str, int]:
    ind_codes = [(c, IND_KEYS.index(k)) for k in IND_KEYS for c in INDUSTRY_HS6[k]]
    n_fill = max(10, round(len(FILLER_HS6) * min(1.0, scale)))
    codes = [c for c, _ in ind_codes] + list(FILLER_HS6[:n_fill])
    k_ind = np.array([g for _, g in ind_codes] + [-1] * n_fill)
    order = np.argsort(codes, kind="stable")
    codes = [codes[i] for i in order]
    k_ind = k_ind[order]
    n_c, n_k = len(COUNTRIES), len(codes)
    iso = [c[0] for c in COUNTRIES]
    gdp = np.array([c[3] for c in COUNTRIES])
    tech = np.array([c[4] for c in COUNTRIES])
    cap = rng.lognormal(0.0, 1.0, (n_c, n_k)) * np.sqrt(gdp + tech)[:, None]
    cap *= rng.random((n_c, n_k)) < 0.6
    lead = iso.index(LEAD_COUNTRY)
    cap[lead, k_ind == IND_KEYS.index(LEAD_INDUSTRY)] *= 6.0
    dem = rng.lognormal(0.0, 0.7, (n_c, n_k)) * gdp[:, None]
    kb = codes.index(_BOTTLENECK_HS6)
    cap[:, kb] = 0.0
    cap[iso.index("NL"), kb], cap[iso.index("JP"), kb] = 12.0, 7.0
    dep = iso.index(DEPENDENT)
    dem[dep, kb] *= 8.0
    price = rng.lognormal(1.0, 1.0, n_k)  # thousand USD per tonne
    p_link = np.minimum(1.0, 3.0 * min(1.0, 0.3 + scale) * dem / dem.sum(0))
    p_link[:, kb] = 1.0
    rows = []
    for t in range(start, end + 1):
        g = 1.05 ** (t - start)
        link = (rng.random((n_c, n_c, n_k)) < p_link[None, :, :]) & (cap[:, None, :] > 0)
        link[np.arange(n_c), np.arange(n_c), :] = False
        i, j, k = np.nonzero(link)
        v = np.round(50.0 * cap[i, k] * dem[j, k] * g * rng.lognormal(0.0, 0.3, len(i)), 3)
        q = np.round(v / price[k], 3)
        keep = v > 0
        rows.append((np.full(int(keep.sum()), t), i[keep], j[keep], k[keep], v[keep], q[keep]))
    num = np.array([c[1] for c in COUNTRIES])
    buf = io.StringIO()
    buf.write("t,i,j,k,v,q\n")
    n_rows = 0
    for t_, i, j, k, v, q in rows:
        for r in zip(
            t_.tolist(),
            num[i].tolist(),
            num[j].tolist(),
            k.tolist(),
            v.tolist(),
            q.tolist(),
            strict=True,
        ):
            buf.write(f"{r[0]},{r[1]},{r[2]},{codes[r[3]]},{r[4]:.3f},{r[5]:.3f}\n")
        n_rows += len(t_)
    tdir = root / "trade"
    tdir.mkdir(parents=True, exist_ok=True)
    (tdir / "baci.csv").write_text(buf.getvalue(), encoding="utf-8")
    report("trade", 1, 1)
    return {"trade_rows": n_rows, "hs6": n_k}


# ---- planted facts ----------------------------------------------------------------------


def planted_facts(w: World, names: list[str], assignee_ids: list[str]) -> dict[str, dict[str, Any]]:
    pl = w.planted
    ca, cb, cw = pl["conflict"]
    cty = [c[0] for c in COUNTRIES]
    holders = [
        {
            "assignee_id": assignee_ids[o],
            "org_id": f"I{_I0 + o}",
            "name": names[o],
            "country": cty[int(w.org_country[o])],
        }
        for o in pl["holders"]
    ]
    d = pl["disruptive"]
    return {
        "leading_country": {
            "country": LEAD_COUNTRY,
            "industry": LEAD_INDUSTRY,
            "description": f"{LEAD_COUNTRY} has the most works, top-cited works and patents "
            f"in {LEAD_INDUSTRY}, and exports its HS6 goods most.",
        },
        "bottleneck": {
            "dependent_country": DEPENDENT,
            "cpc_group": BOTTLENECK_CPC[0].split("/")[0] + "/00",
            "cpc_subgroups": list(BOTTLENECK_CPC),
            "holders": holders,
            "hs6": _BOTTLENECK_HS6,
            "exporters": list(_HOLDERS_ORIGIN),
            "description": f"Only {len(holders)} foreign assignees hold patents in G03F7/00; "
            f"{DEPENDENT} has none there and imports HS {_BOTTLENECK_HS6} only from "
            f"{' and '.join(_HOLDERS_ORIGIN)}.",
        },
        "disruptive_work": {
            "work_id": f"W{_W0 + d}",
            "year": int(w.w_year[d]),
            "citers_in_5_years": int(pl["disruptive_citers"]),
            "description": "Many later works cite it and none of them cites its references "
            "(CD_5 = +1).",
        },
        "emerging_topic": {
            "topic_id": EMERGING_TOPIC,
            "display_name": TOPICS[EMERGING_TOPIC][0],
            "from_year": int(pl["emerging_from"]),
            "description": "A rare topic whose yearly volume jumps in the last three years.",
        },
        "broker_organization": {
            "org_id": f"I{_I0 + pl['broker']}",
            "country": BROKER_COUNTRY,
            "communities": [
                [f"I{_I0 + o}" for o in pl["comm_a"]],
                [f"I{_I0 + o}" for o in pl["comm_b"]],
            ],
            "community_industries": [COMM_A_IND, COMM_B_IND],
            "description": "Co-authors with two communities that never co-author with each "
            "other (nor with anyone else).",
        },
        "coauthor_conflict": {
            "author_a": f"A{_A0 + ca}",
            "author_b": f"A{_A0 + cb}",
            "work_id": f"W{_W0 + cw}",
            "year": int(w.w_year[cw]),
            "description": "Two authors of different countries who co-authored a recent work.",
        },
        "strong_enterprise": {
            "org_id": f"I{_I0 + pl['strong']}",
            "assignee_id": assignee_ids[pl["strong"]],
            "name": names[pl["strong"]],
            "country": cty[int(w.org_country[pl["strong"]])],
            "industry": STRONG_INDUSTRY,
            "description": "A company with about 25 % of the industry's patents and 6 % of "
            "its works.",
        },
    }
