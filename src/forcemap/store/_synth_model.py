"""Array model of the synthetic world (private to :mod:`forcemap.store.synth`).

Everything here is NumPy arrays of integer ids: organisations, authors, works, patents, their
citations and the planted facts. :mod:`forcemap.store.synth` turns the arrays into files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from forcemap.store._synth_data import COUNTRIES, INDUSTRIES

__all__ = [
    "BROKER_COUNTRY",
    "COMM_A_IND",
    "COMM_B_IND",
    "DEPENDENT",
    "EMERGING_TOPIC",
    "IND_KEYS",
    "LEAD_COUNTRY",
    "LEAD_INDUSTRY",
    "ORG_TYPES",
    "STRONG_INDUSTRY",
    "World",
    "build_world",
]

IND_KEYS: tuple[str, ...] = tuple(INDUSTRIES)
ORG_TYPES: tuple[str, ...] = (
    "education",
    "company",
    "government",
    "facility",
    "healthcare",
    "nonprofit",
    "other",
)
_ORG_TYPE_P = np.array([0.38, 0.32, 0.09, 0.08, 0.07, 0.04, 0.02])
_ISO = [c[0] for c in COUNTRIES]
_IND_P = np.array([1.3, 1.0, 0.5, 1.4, 1.6, 0.8, 1.1, 1.0, 0.5, 1.0, 0.9, 0.5])

# planted choices (industry keys and ISO2 codes)
LEAD_COUNTRY, LEAD_INDUSTRY = "CN", "nev_batteries"
DEPENDENT, HOLDER_COUNTRIES = "CN", ("NL", "JP", "JP")
STRONG_COUNTRY, STRONG_INDUSTRY = "DE", "robotics"
BROKER_COUNTRY, COMM_A, COMM_B = "SG", ("NO", "DK", "FI"), ("AU", "NZ")
COMM_A_IND, COMM_B_IND = "marine", "biomedicine"
DISRUPT_INDUSTRY = "ai"
EMERGING_INDUSTRY, EMERGING_TOPIC = "clean_energy", "T10247"
CONFLICT_INDUSTRY = "ai"


def _ind(key: str) -> int:
    return IND_KEYS.index(key)


def _cty(iso: str) -> int:
    return _ISO.index(iso)


@dataclass
class World:
    """All entities of one synthetic world as arrays (row index = entity number)."""

    start: int
    end: int
    # organisations
    org_country: np.ndarray
    org_city: np.ndarray  # index into the flat city list
    org_type: np.ndarray
    org_ind: np.ndarray  # (n_org, 2) home industries
    org_pub: np.ndarray  # publishes (has an OpenAlex institution id)
    org_pat: np.ndarray  # patents (has a PatentsView assignee id)
    # authors: home org, moved-to org (-1) and move year
    auth_home: np.ndarray
    auth_new: np.ndarray
    auth_move: np.ndarray
    # works (sorted by year; row = id order)
    w_year: np.ndarray
    w_ind: np.ndarray
    w_topic: np.ndarray  # primary topic: index in the industry's topic list
    w_ptr: np.ndarray  # CSR pointers into authorship arrays
    a_author: np.ndarray
    a_org: np.ndarray
    r_ptr: np.ndarray  # CSR pointers into cited ids (in-world refs)
    r_cited: np.ndarray
    x_ptr: np.ndarray  # CSR pointers into external reference numbers
    x_ref: np.ndarray
    w_cites: np.ndarray  # cited_by_count
    # patents (sorted by grant day; row = number order)
    p_day: np.ndarray  # grant date, days since 1970-01-01
    p_fday: np.ndarray  # filing date
    p_ind: np.ndarray
    p_bottleneck: np.ndarray
    p_aptr: np.ndarray  # CSR into assignee orgs (-1 = individual)
    p_aorg: np.ndarray
    p_iptr: np.ndarray  # CSR into inventors
    p_inv: np.ndarray
    inv_org: np.ndarray
    inv_city: np.ndarray
    pc_citing: np.ndarray
    pc_cited: np.ndarray
    planted: dict[str, Any] = field(default_factory=dict)


def _bounds(sorted_vals: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Start offsets of each value lo..hi+1 in a sorted array."""
    return np.searchsorted(sorted_vals, np.arange(lo, hi + 2)).astype(np.int64)


def _share_weight(w: np.ndarray, i: int, share: float) -> None:
    """Set ``w[i]`` so that it holds ``share`` of the total weight."""
    rest = w.sum() - w[i]
    w[i] = share / (1.0 - share) * rest


def _draw(rng: np.random.Generator, weights: np.ndarray, n: int) -> np.ndarray:
    """``n`` indices drawn with replacement proportional to ``weights`` (cumsum + search)."""
    cum = np.cumsum(weights)
    if n == 0 or cum[-1] <= 0:
        return np.zeros(0, np.int64)
    idx = np.searchsorted(cum, rng.random(n) * cum[-1], side="right")
    out: np.ndarray = np.minimum(idx, len(weights) - 1).astype(np.int64)
    return out


def attach(
    rng: np.random.Generator,
    year: np.ndarray,
    group: np.ndarray,
    fitness: np.ndarray,
    n_refs: np.ndarray,
    *,
    p_within: float = 0.8,
    tau: float = 6.0,
    alpha: float = 0.7,
) -> tuple[np.ndarray, np.ndarray]:
    """Citations by preferential attachment with ageing; only to strictly older items.

    Items are sorted by ``year``. Item *i* of year *y* draws ``n_refs[i]`` references, a
    share ``p_within`` from its own group; the chance of citing *j* is proportional to
    ``fitness[j] * (indegree[j] + 2) ** alpha * exp(-(y - year[j]) / tau)``. Duplicates are removed.
    """
    n = len(year)
    y0, y1 = int(year.min()), int(year.max())
    yb = _bounds(year, y0, y1)
    n_groups = int(group.max()) + 1
    gidx = [np.flatnonzero(group == g) for g in range(n_groups)]
    indeg = np.zeros(n, np.float64)
    k_within = rng.binomial(n_refs, p_within)
    out_s: list[np.ndarray] = []
    out_t: list[np.ndarray] = []
    for y in range(y0 + 1, y1 + 1):
        s, e = int(yb[y - y0]), int(yb[y - y0 + 1])
        if s == e or s == 0:
            continue
        base = fitness[:s] * (indeg[:s] + 2.0) ** alpha * np.exp(-(y - year[:s]) / tau)
        citers = np.arange(s, e)
        for g in range(n_groups):
            cg = citers[group[s:e] == g]
            if len(cg) == 0:
                continue
            pool = gidx[g][: np.searchsorted(gidx[g], s)]
            if len(pool) == 0:
                continue
            k = k_within[cg]
            out_s.append(np.repeat(cg, k))
            out_t.append(pool[_draw(rng, base[pool], int(k.sum()))])
        k = n_refs[s:e] - k_within[s:e]
        out_s.append(np.repeat(citers, k))
        out_t.append(_draw(rng, base, int(k.sum())))
        new_t = np.concatenate(out_t[-(1 + n_groups) :]) if out_t else np.zeros(0, np.int64)
        indeg += np.bincount(new_t, minlength=n)[:n]
    if not out_s:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return dedupe(np.concatenate(out_s), np.concatenate(out_t), n)


def dedupe(src: np.ndarray, dst: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Unique (src, dst) pairs sorted by src then dst."""
    key = np.unique(src.astype(np.int64) * (n + 1) + dst.astype(np.int64))
    return key // (n + 1), key % (n + 1)


def _csr(owner: np.ndarray, n: int) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(np.bincount(owner, minlength=n))]).astype(np.int64)


def _pick_orgs(rng: np.random.Generator, w: np.ndarray, ind: np.ndarray) -> np.ndarray:
    """One organisation per item, drawn from the column of its industry in ``w``."""
    out = np.zeros(len(ind), np.int64)
    for g in range(w.shape[1]):
        sel = np.flatnonzero(ind == g)
        out[sel] = _draw(rng, w[:, g], len(sel))
    return out


def build_world(rng: np.random.Generator, scale: float, start: int, end: int) -> World:
    """Generate every entity and relation of the world as arrays (see :class:`World`)."""
    n_ind, n_cty = len(IND_KEYS), len(COUNTRIES)
    n_years = end - start + 1
    city_country = np.array([i for i, c in enumerate(COUNTRIES) for _ in c[5]])
    pubw = np.array([c[3] for c in COUNTRIES])
    patw = np.array([c[4] for c in COUNTRIES])

    # ---- organisations -------------------------------------------------------------------
    n_org = max(120, round(3000 * scale))
    org_country = _draw(rng, pubw + patw, n_org)
    first_city = np.searchsorted(city_country, np.arange(n_cty))
    n_cities = np.bincount(city_country, minlength=n_cty)
    org_city = first_city[org_country] + (rng.random(n_org) * n_cities[org_country]).astype(int)
    org_type = _draw(rng, _ORG_TYPE_P, n_org)
    org_ind = _draw(rng, _IND_P, 2 * n_org).reshape(n_org, 2)
    org_size = rng.lognormal(0.0, 1.0, n_org)
    org_pub = (org_type != 1) | (rng.random(n_org) < 0.6)
    pat_p = np.array([0.3, 0.95, 0.3, 0.2, 0.1, 0.05, 0.05])[org_type]
    org_pat = rng.random(n_org) < pat_p
    planted_orgs = rng.choice(n_org, 2 + len(HOLDER_COUNTRIES) + 12, replace=False)
    strong, broker = int(planted_orgs[0]), int(planted_orgs[1])
    holders = [int(x) for x in planted_orgs[2:5]]
    comm_a = [int(x) for x in planted_orgs[5:11]]
    comm_b = [int(x) for x in planted_orgs[11:17]]

    def force(o: int, iso: str, typ: int, ind: str, pub: bool, pat: bool, size: float) -> None:
        org_country[o] = _cty(iso)
        org_city[o] = first_city[_cty(iso)]
        org_type[o], org_ind[o] = typ, (_ind(ind), _ind(ind))
        org_pub[o], org_pat[o], org_size[o] = pub, pat, size

    force(strong, STRONG_COUNTRY, 1, STRONG_INDUSTRY, True, True, 5.0)
    force(broker, BROKER_COUNTRY, 0, COMM_A_IND, True, False, 3.0)
    for o, iso in zip(holders, HOLDER_COUNTRIES, strict=True):
        force(o, iso, 1, "semiconductors", True, True, 3.0)
    for k, o in enumerate(comm_a):
        force(o, COMM_A[k % len(COMM_A)], (0, 3)[k % 2], COMM_A_IND, True, False, 1.0)
    for k, o in enumerate(comm_b):
        force(o, COMM_B[k % len(COMM_B)], (0, 4)[k % 2], COMM_B_IND, True, False, 1.0)
    # the leading country: half of its organisations work in the leading industry
    lead_orgs = np.flatnonzero(org_country == _cty(LEAD_COUNTRY))
    lead_orgs = lead_orgs[~np.isin(lead_orgs, planted_orgs)]
    org_ind[lead_orgs[rng.random(len(lead_orgs)) < 0.5], 1] = _ind(LEAD_INDUSTRY)
    community = np.zeros(n_org, bool)
    community[comm_a + comm_b] = True

    home = np.zeros((n_org, n_ind))
    home[np.arange(n_org), org_ind[:, 0]] = 1.0
    home[np.arange(n_org), org_ind[:, 1]] = 1.0
    affinity = 0.05 + 0.95 * home
    cmult = np.ones((n_cty, n_ind))
    cmult[_cty(LEAD_COUNTRY), _ind(LEAD_INDUSTRY)] = 7.0
    base = (org_size * ~community)[:, None] * affinity * cmult[org_country]
    w_pub = base * (org_pub * (1.0 + (org_type == 0)))[:, None]
    w_pat = base * (org_pat * (1.0 + 3.0 * (org_type == 1)))[:, None]
    w_pat[holders, :] = 0.0  # holders patent mainly in the bottleneck group
    _share_weight(w_pub[:, _ind(STRONG_INDUSTRY)], strong, 0.06)
    _share_weight(w_pat[:, _ind(STRONG_INDUSTRY)], strong, 0.25)

    # ---- authors --------------------------------------------------------------------------
    n_auth = max(n_org + 200, round(12000 * scale))
    auth_home = np.concatenate([np.arange(n_org), _draw(rng, org_size * org_pub, n_auth - n_org)])
    movable = (np.arange(n_auth) >= n_org) & ~community[auth_home]
    moves = movable & (rng.random(n_auth) < 0.1)
    auth_new = np.where(moves, _draw(rng, org_size * org_pub * ~community, n_auth), -1)
    auth_new[auth_new == auth_home] = -1
    auth_move = np.where(auth_new >= 0, rng.integers(start + 3, end - 1, n_auth), 0)
    # stints (author, org, first year, last year), grouped by org
    mv = np.flatnonzero(auth_new >= 0)
    st_a = np.concatenate([np.arange(n_auth), mv])
    st_o = np.concatenate([auth_home, auth_new[mv]])
    st_from = np.concatenate([np.full(n_auth, start), auth_move[mv]])
    st_to = np.concatenate([np.where(auth_new >= 0, auth_move - 1, end), np.full(len(mv), end)])
    order = np.argsort(st_o, kind="stable")
    st_a, st_o, st_from, st_to = st_a[order], st_o[order], st_from[order], st_to[order]
    st_ptr = _csr(st_o, n_org)

    # ---- works ------------------------------------------------------------------------------
    n_base = max(400, round(20000 * scale))
    growth = np.exp(0.06 * np.arange(n_years))
    w_year = start + _draw(rng, growth, n_base)
    w_ind = _draw(rng, _IND_P, n_base)
    lead = _pick_orgs(rng, w_pub, w_ind)
    # planted works: emerging-topic surge, two communities + broker, conflict pair
    n_em = max(30, round(0.035 * n_base))
    em_year = end - 2 + _draw(rng, np.array([1.0, 2.0, 4.0]), n_em)
    n_cw, n_bw = max(15, round(150 * scale)), max(6, round(40 * scale))
    c_year = start + 2 + _draw(rng, growth[2:], 2 * n_cw + 2 * n_bw)
    em_ind = np.full(n_em, _ind(EMERGING_INDUSTRY))
    c_ind = np.repeat([_ind(COMM_A_IND), _ind(COMM_B_IND)] * 2, [n_cw, n_cw, n_bw, n_bw])
    year = np.concatenate([w_year, em_year, c_year, [end - 1]])
    ind = np.concatenate([w_ind, em_ind, c_ind, [_ind(CONFLICT_INDUSTRY)]])
    n_w = len(year)
    # author slots: (work, org, forced author or -1)
    n_slots = np.minimum(1 + rng.poisson(3.0, n_base), 12)
    s_work = np.repeat(np.arange(n_base), n_slots)
    same = rng.random(len(s_work)) < 0.55
    other = _pick_orgs(rng, w_pub, w_ind[s_work])
    s_org = np.where(same, lead[s_work], other)
    s_org[np.r_[0, np.cumsum(n_slots)[:-1]]] = lead  # first slot: lead organisation
    em_slots = np.minimum(1 + rng.poisson(3.0, n_em), 12)
    em_work = np.repeat(n_base + np.arange(n_em), em_slots)
    em_org = _pick_orgs(rng, w_pub, np.full(len(em_work), _ind(EMERGING_INDUSTRY)))
    cw0 = n_base + n_em
    c_slots = 2 + rng.integers(0, 3, 2 * n_cw + 2 * n_bw)
    c_work = np.repeat(cw0 + np.arange(len(c_slots)), c_slots)
    grp = np.repeat(np.repeat([0, 1, 0, 1], [n_cw, n_cw, n_bw, n_bw]), c_slots)
    c_org = np.where(
        grp == 0,
        np.array(comm_a)[rng.integers(0, 6, len(c_work))],
        np.array(comm_b)[rng.integers(0, 6, len(c_work))],
    )
    first_slot = np.r_[0, np.cumsum(c_slots)[:-1]]
    c_org[first_slot[2 * n_cw :]] = broker
    ai_orgs = np.flatnonzero((org_ind == _ind(CONFLICT_INDUSTRY)).any(1) & org_pub & ~community)
    ca = int(rng.choice(ai_orgs))
    cands = ai_orgs[org_country[ai_orgs] != org_country[ca]]
    cb = int(rng.choice(cands)) if len(cands) else int(rng.choice(ai_orgs[ai_orgs != ca]))
    s_work = np.concatenate([s_work, em_work, c_work, [n_w - 1, n_w - 1]])
    s_org = np.concatenate([s_org, em_org, c_org, [ca, cb]])
    forced = np.full(len(s_work), -1)
    forced[-2:] = (ca, cb)  # the permanent authors of two organisations in different countries
    # resolve authors: a random stint of the org that covers the work's year, else the
    # organisation's permanent author (author number == org number)
    cnt = st_ptr[s_org + 1] - st_ptr[s_org]
    pick = st_ptr[s_org] + (rng.random(len(s_org)) * cnt).astype(np.int64)
    wy = year[s_work]
    ok = (st_from[pick] <= wy) & (wy <= st_to[pick])
    s_auth = np.where(ok, st_a[pick], s_org)
    s_auth = np.where(forced >= 0, forced, s_auth)

    # sort works by (year, random): row = id order; keep planted indices
    perm = np.lexsort((rng.random(n_w), year))
    inv = np.empty(n_w, np.int64)
    inv[perm] = np.arange(n_w)
    year, ind = year[perm], ind[perm]
    s_work = inv[s_work]
    key = s_work * (n_auth + 1) + s_auth
    _, first = np.unique(key, return_index=True)  # one authorship per (work, author)
    first = np.sort(first)
    order = first[np.argsort(s_work[first], kind="stable")]
    a_work, a_author, a_org = s_work[order], s_auth[order], s_org[order]
    w_ptr = _csr(a_work, n_w)
    lead_org = a_org[w_ptr[:-1]]

    # topics: Zipf within the industry; the emerging topic is rare except in the surge
    n_top = np.array([len(v[2]) for v in INDUSTRIES.values()])
    zipf = rng.random(n_w) ** 1.6
    topic = (zipf * n_top[ind]).astype(np.int64)
    em_i = _ind(EMERGING_INDUSTRY)
    em_t = INDUSTRIES[EMERGING_INDUSTRY][2].index(EMERGING_TOPIC)
    is_em = ind == em_i
    bump = is_em & (topic == em_t)
    topic[bump] = (
        em_t + 1 + (rng.random(int(bump.sum())) * (n_top[em_i] - 1)).astype(int)
    ) % n_top[em_i]
    topic[is_em & (rng.random(n_w) < 0.02)] = em_t
    topic[inv[n_base : n_base + n_em]] = em_t

    # citations between works
    fitness = rng.lognormal(0.0, 0.9, n_w)
    fitness[(org_country[lead_org] == _cty(LEAD_COUNTRY)) & (ind == _ind(LEAD_INDUSTRY))] *= 3.0
    fitness[lead_org == strong] *= 2.0
    n_refs = rng.poisson(8.0 + 0.25 * (year - start))
    citing, cited = attach(rng, year, ind, fitness, n_refs)
    # the disruptive work: many later works cite it and none of them cites its references
    yd = start + max(2, (end - start) // 2 - 3)
    rcnt = np.bincount(citing, minlength=n_w)
    cand = np.flatnonzero((year == yd) & (ind == _ind(DISRUPT_INDUSTRY)) & (rcnt >= 4))
    if len(cand) == 0:
        cand = np.flatnonzero((year == yd) & (rcnt >= 2))
    d = int(rng.choice(cand))
    d_refs = cited[citing == d]
    window = (year > yd) & (year <= yd + 5)
    wi = np.flatnonzero(window)
    pref = np.where(ind[wi] == _ind(DISRUPT_INDUSTRY), 4.0, 1.0)
    n_dc = min(len(wi), max(30, round(250 * scale)))
    citers = wi[rng.choice(len(wi), n_dc, replace=False, p=pref / pref.sum())]
    late = np.flatnonzero(year > yd + 5)
    late_c = rng.choice(late, min(len(late), n_dc // 3), replace=False)
    all_citers = np.concatenate([citers, late_c])
    citing = np.concatenate([citing, all_citers])
    cited = np.concatenate([cited, np.full(len(all_citers), d)])
    d_citer = np.zeros(n_w, bool)
    d_citer[citing[cited == d]] = True
    drop = np.isin(cited, d_refs) & (window[citing] | d_citer[citing]) & (citing != d)
    citing, cited = dedupe(citing[~drop], cited[~drop], n_w)
    r_ptr = _csr(citing, n_w)
    # references outside the world (Zipf-popular external works); none for the disruptive work
    n_ext = rng.poisson(3.0, n_w)
    n_ext[d] = 0
    x_ptr = np.concatenate([[0], np.cumsum(n_ext)]).astype(np.int64)
    x_ref = np.minimum(rng.zipf(1.6, int(n_ext.sum())), 10 * n_w) - 1
    indeg = np.bincount(cited, minlength=n_w)
    w_cites = indeg + rng.poisson(0.15 * indeg)

    # ---- patents ----------------------------------------------------------------------------
    n_pb = max(100, round(5000 * scale))
    n_bn = max(12, round(50 * scale))
    p_year = np.concatenate([start + _draw(rng, growth, n_pb), start + _draw(rng, growth, n_bn)])
    p_ind = np.concatenate([_draw(rng, _IND_P, n_pb), np.full(n_bn, _ind("semiconductors"))])
    p_bn = np.r_[np.zeros(n_pb, bool), np.ones(n_bn, bool)]
    n_p = n_pb + n_bn
    h_pick = _draw(rng, np.array([0.5, 0.35, 0.15]), n_bn)
    h_pick[:3] = (0, 1, 2)  # every holder holds at least one
    p_org = np.concatenate([_pick_orgs(rng, w_pat, p_ind[:n_pb]), np.array(holders)[h_pick]])

    indiv = (rng.random(n_p) < 0.03) & ~p_bn
    p_org[indiv] = -1
    co = np.flatnonzero((rng.random(n_p) < 0.05) & ~p_bn & ~indiv)
    co_org = _pick_orgs(rng, w_pat + w_pub * 0.2, p_ind[co])
    keep = co_org != p_org[co]
    as_p = np.concatenate([np.arange(n_p), co[keep]])
    as_o = np.concatenate([p_org, co_org[keep]])
    # grant on a Tuesday of the year (1970-01-06 was a Tuesday); filing 1-4 years earlier
    jan1 = (p_year - 1970) * 365 + (p_year - 1969) // 4
    p_day = jan1 + 5 - (jan1 - 5) % 7 + 7 * rng.integers(0, 52, n_p)
    perm = np.argsort(p_day, kind="stable")
    pinv = np.empty(n_p, np.int64)
    pinv[perm] = np.arange(n_p)
    p_day, p_ind, p_bn, p_year = p_day[perm], p_ind[perm], p_bn[perm], p_year[perm]
    p_fday = p_day - rng.integers(360, 1500, n_p)
    as_p = pinv[as_p]
    order = np.lexsort((np.arange(len(as_p)), as_p))
    as_p, as_o = as_p[order], as_o[order]
    p_aptr = _csr(as_p, n_p)
    first_org = as_o[p_aptr[:-1]]
    # inventors: each patenting organisation has a pool; individuals invent alone
    pat_orgs = np.flatnonzero(org_pat)
    n_inv = max(len(pat_orgs) + 100, round(6000 * scale))
    inv_org = np.concatenate(
        [pat_orgs, pat_orgs[_draw(rng, org_size[pat_orgs], n_inv - len(pat_orgs))]]
    )
    io = np.argsort(inv_org, kind="stable")
    io_ptr = np.searchsorted(inv_org[io], np.arange(n_org + 1))
    k_inv = np.where(first_org >= 0, np.minimum(1 + rng.poisson(1.5, n_p), 6), 1)
    pi_p = np.repeat(np.arange(n_p), k_inv)
    fo = np.maximum(first_org[pi_p], 0)
    cnt = io_ptr[fo + 1] - io_ptr[fo]
    pi_i = io[np.minimum(io_ptr[fo] + (rng.random(len(pi_p)) * cnt).astype(np.int64), n_inv - 1)]
    solo = np.flatnonzero(first_org < 0)  # individual owners: one inventor of their own
    pi_i[np.searchsorted(pi_p, solo)] = n_inv + np.arange(len(solo))
    inv_city = np.concatenate([org_city[inv_org], rng.integers(0, len(city_country), len(solo))])
    inv_org = np.concatenate([inv_org, np.full(len(solo), -1)])
    pi_p, pi_i = dedupe(pi_p, pi_i, len(inv_org))
    p_iptr = _csr(pi_p, n_p)
    # patent citations
    pfit = rng.lognormal(0.0, 0.9, n_p)
    fo_c = org_country[np.maximum(first_org, 0)]
    pfit[(fo_c == _cty(LEAD_COUNTRY)) & (p_ind == _ind(LEAD_INDUSTRY)) & (first_org >= 0)] *= 3.0
    pfit[first_org == strong] *= 2.0
    pc_citing, pc_cited = attach(rng, p_year, p_ind, pfit, rng.poisson(6.0, n_p), tau=8.0)

    w = World(
        start=start,
        end=end,
        org_country=org_country,
        org_city=org_city,
        org_type=org_type,
        org_ind=org_ind,
        org_pub=org_pub,
        org_pat=org_pat,
        auth_home=auth_home,
        auth_new=auth_new,
        auth_move=auth_move,
        w_year=year,
        w_ind=ind,
        w_topic=topic,
        w_ptr=w_ptr,
        a_author=a_author,
        a_org=a_org,
        r_ptr=r_ptr,
        r_cited=cited,
        x_ptr=x_ptr,
        x_ref=x_ref,
        w_cites=w_cites,
        p_day=p_day,
        p_fday=p_fday,
        p_ind=p_ind,
        p_bottleneck=p_bn,
        p_aptr=p_aptr,
        p_aorg=as_o,
        p_iptr=p_iptr,
        p_inv=pi_i,
        inv_org=inv_org,
        inv_city=inv_city,
        pc_citing=pc_citing,
        pc_cited=pc_cited,
    )
    w.planted = {
        "strong": strong,
        "broker": broker,
        "holders": holders,
        "comm_a": comm_a,
        "comm_b": comm_b,
        "conflict": (ca, cb, int(inv[n_w - 1])),
        "disruptive": d,
        "disruptive_citers": int(n_dc),
        "emerging_from": end - 2,
    }
    return w
