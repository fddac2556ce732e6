"""Static vocabularies of the synthetic world (private to :mod:`forcemap.store.synth`).

Real identifiers only: ISO 3166 country codes, OpenAlex topic ids and their 2024-09 hierarchy
(copied from the packaged ``openalex_topics_2024_09.csv.gz``), OpenAlex concept ids as used in
the shipped industry catalog, CPC subgroups and HS 2022 six-digit codes (from the packaged
``harmonized-system.csv.gz``). The values are data, fixed here so that a world generated with a
given seed does not change when the packaged reference files are updated. The 107-topic table
is the data file ``forcemap/data/synth/topics.yaml`` (read once at import).
"""

from __future__ import annotations

import yaml

from forcemap._data import data_path

__all__ = [
    "BOTTLENECK_CPC",
    "COUNTRIES",
    "FILLER_HS6",
    "FIRST_NAMES",
    "GENERIC_WORDS",
    "INDUSTRIES",
    "INDUSTRY_HS6",
    "LAST_NAMES",
    "TOPICS",
]

# iso2, ISO 3166-1 numeric, name, publication weight, patent weight,
# cities as (city, US state or "", latitude, longitude)
COUNTRIES: tuple[
    tuple[str, int, str, float, float, tuple[tuple[str, str, float, float], ...]], ...
] = (
    (
        "US",
        840,
        "United States",
        16.0,
        22.0,
        (
            ("Boston", "MA", 42.36, -71.06),
            ("San Jose", "CA", 37.34, -121.89),
            ("Austin", "TX", 30.27, -97.74),
        ),
    ),
    (
        "CN",
        156,
        "China",
        15.0,
        14.0,
        (
            ("Beijing", "", 39.90, 116.41),
            ("Shanghai", "", 31.23, 121.47),
            ("Shenzhen", "", 22.54, 114.06),
        ),
    ),
    ("DE", 276, "Germany", 5.0, 7.0, (("Munich", "", 48.14, 11.58), ("Berlin", "", 52.52, 13.40))),
    ("JP", 392, "Japan", 5.0, 12.0, (("Tokyo", "", 35.68, 139.69), ("Osaka", "", 34.69, 135.50))),
    (
        "KR",
        410,
        "Korea, Republic of",
        3.5,
        8.0,
        (("Seoul", "", 37.57, 126.98), ("Daejeon", "", 36.35, 127.38)),
    ),
    (
        "GB",
        826,
        "United Kingdom",
        5.0,
        3.0,
        (("London", "", 51.51, -0.13), ("Cambridge", "", 52.21, 0.12)),
    ),
    ("FR", 250, "France", 3.5, 3.0, (("Paris", "", 48.86, 2.35), ("Grenoble", "", 45.19, 5.72))),
    (
        "IN",
        356,
        "India",
        4.5,
        1.5,
        (("Bengaluru", "", 12.97, 77.59), ("New Delhi", "", 28.61, 77.21)),
    ),
    ("IT", 380, "Italy", 3.0, 1.2, (("Milan", "", 45.46, 9.19),)),
    ("CA", 124, "Canada", 2.8, 1.5, (("Toronto", "", 43.65, -79.38),)),
    ("NL", 528, "Netherlands", 2.0, 1.6, (("Eindhoven", "", 51.44, 5.47),)),
    ("CH", 756, "Switzerland", 1.6, 1.4, (("Zurich", "", 47.38, 8.54),)),
    ("SE", 752, "Sweden", 1.4, 1.2, (("Stockholm", "", 59.33, 18.07),)),
    ("ES", 724, "Spain", 2.4, 0.6, (("Madrid", "", 40.42, -3.70),)),
    ("AU", 36, "Australia", 2.4, 0.6, (("Sydney", "", -33.87, 151.21),)),
    ("BR", 76, "Brazil", 2.0, 0.3, (("Sao Paulo", "", -23.55, -46.63),)),
    ("RU", 643, "Russian Federation", 1.8, 0.4, (("Moscow", "", 55.76, 37.62),)),
    ("TW", 158, "Taiwan, Province of China", 1.5, 2.5, (("Hsinchu", "", 24.80, 120.97),)),
    ("SG", 702, "Singapore", 0.9, 0.5, (("Singapore", "", 1.35, 103.82),)),
    ("IL", 376, "Israel", 0.9, 0.8, (("Tel Aviv", "", 32.09, 34.78),)),
    ("BE", 56, "Belgium", 1.0, 0.5, (("Leuven", "", 50.88, 4.70),)),
    ("AT", 40, "Austria", 0.9, 0.5, (("Vienna", "", 48.21, 16.37),)),
    ("DK", 208, "Denmark", 0.8, 0.4, (("Copenhagen", "", 55.68, 12.57),)),
    ("FI", 246, "Finland", 0.7, 0.5, (("Espoo", "", 60.21, 24.66),)),
    ("NO", 578, "Norway", 0.6, 0.3, (("Trondheim", "", 63.43, 10.40),)),
    ("PL", 616, "Poland", 1.2, 0.2, (("Warsaw", "", 52.23, 21.01),)),
    ("CZ", 203, "Czechia", 0.6, 0.1, (("Prague", "", 50.08, 14.44),)),
    ("IE", 372, "Ireland", 0.5, 0.2, (("Dublin", "", 53.35, -6.26),)),
    ("PT", 620, "Portugal", 0.7, 0.1, (("Lisbon", "", 38.72, -9.14),)),
    ("TR", 792, "Turkey", 1.3, 0.2, (("Ankara", "", 39.93, 32.86),)),
    ("MX", 484, "Mexico", 0.9, 0.1, (("Mexico City", "", 19.43, -99.13),)),
    ("AR", 32, "Argentina", 0.5, 0.05, (("Buenos Aires", "", -34.60, -58.38),)),
    ("ZA", 710, "South Africa", 0.6, 0.05, (("Cape Town", "", -33.92, 18.42),)),
    ("EG", 818, "Egypt", 0.6, 0.02, (("Cairo", "", 30.04, 31.24),)),
    ("SA", 682, "Saudi Arabia", 0.7, 0.2, (("Riyadh", "", 24.71, 46.68),)),
    ("IR", 364, "Iran, Islamic Republic of", 1.1, 0.02, (("Tehran", "", 35.69, 51.39),)),
    ("MY", 458, "Malaysia", 0.6, 0.1, (("Kuala Lumpur", "", 3.14, 101.69),)),
    ("TH", 764, "Thailand", 0.5, 0.05, (("Bangkok", "", 13.76, 100.50),)),
    ("NZ", 554, "New Zealand", 0.4, 0.05, (("Auckland", "", -36.85, 174.76),)),
    ("VN", 704, "Viet Nam", 0.4, 0.02, (("Hanoi", "", 21.03, 105.85),)),
)

# phrases that replace the second title keyword of one work in six of an industry (by the
# work's otherwise unused third keyword draw), so titles hold multi-word technologies and a
# near miss: "solid state battery" must find solid-state batteries before solid oxide fuel
# cells (issue 20). The other draws, and so every other title, are unchanged.
TITLE_PHRASES: dict[str, tuple[str, ...]] = {
    "nev_batteries": ("solid-state battery", "solid oxide fuel cell"),
}

# industry key -> (CPC subgroups drawn for ordinary patents, OpenAlex concepts (id, name, level),
# OpenAlex topic ids, keywords used in titles and abstracts)
INDUSTRIES: dict[
    str, tuple[tuple[str, ...], tuple[tuple[str, str, int], ...], tuple[str, ...], tuple[str, ...]]
] = {
    "semiconductors": (
        (
            "H01L21/02",
            "H01L21/67",
            "H01L29/78",
            "H01L23/48",
            "H01L21/768",
            "G11C16/04",
            "H01L27/092",
            "C30B29/06",
        ),
        (
            ("C24326235", "Electronic engineering", 1),
            ("C49040817", "Optoelectronics", 1),
            ("C43214815", "Reliability (semiconductor)", 3),
            ("C171250308", "Nanotechnology", 1),
        ),
        (
            "T10558",
            "T10781",
            "T11338",
            "T12224",
            "T11527",
            "T10363",
            "T14117",
            "T10472",
            "T12529",
            "T11992",
        ),
        (
            "semiconductor",
            "transistor",
            "wafer",
            "lithography",
            "integrated circuit",
            "etching",
            "chip",
        ),
    ),
    "nev_batteries": (
        (
            "H01M10/0525",
            "H01M10/0562",
            "H01M4/525",
            "H01M50/20",
            "B60L53/00",
            "B60L58/12",
            "H01M10/44",
        ),
        (
            ("C555008776", "Battery (electricity)", 3),
            ("C119599485", "Electrical engineering", 1),
            ("C22212356", "Transport engineering", 1),
        ),
        ("T10018", "T10281", "T10663", "T10278", "T10768", "T11091", "T11690", "T10179"),
        (
            "lithium-ion",
            "cathode",
            "anode",
            "electrolyte",
            "battery management",
            "electric vehicle",
            "charging",
        ),
    ),
    "quantum": (
        ("G06N10/00", "G06N10/40", "H04L9/0852", "B82Y10/00", "H04B10/70"),
        (
            ("C58053490", "Quantum computer", 3),
            ("C62520636", "Quantum mechanics", 1),
            ("C121332964", "Physics", 0),
        ),
        ("T10020", "T10682", "T10382", "T11804"),
        (
            "qubit",
            "entanglement",
            "quantum gate",
            "superconducting circuit",
            "quantum key distribution",
            "decoherence",
        ),
    ),
    "ai": (
        ("G06N3/08", "G06N3/045", "G06N20/00", "G06V10/82", "G06F40/30", "G10L15/16"),
        (
            ("C154945302", "Artificial intelligence", 1),
            ("C119857082", "Machine learning", 1),
            ("C108583219", "Deep learning", 2),
            ("C50644808", "Artificial neural network", 2),
            ("C31972630", "Computer vision", 1),
            ("C204321447", "Natural language processing", 1),
        ),
        ("T10036", "T10028", "T10320", "T10462", "T10775", "T11689", "T10181", "T10201", "T10862"),
        (
            "neural network",
            "deep learning",
            "training",
            "transformer",
            "reinforcement learning",
            "classification",
            "representation",
        ),
    ),
    "biomedicine": (
        (
            "A61K39/395",
            "A61P35/00",
            "C07K16/28",
            "C12N15/113",
            "A61B5/00",
            "A61K9/00",
            "C12Q1/6883",
        ),
        (
            ("C71924100", "Medicine", 0),
            ("C98274493", "Pharmacology", 1),
            ("C150903083", "Biotechnology", 1),
            ("C542903549", "Monoclonal antibody", 3),
            ("C74187038", "Drug discovery", 2),
            ("C203014093", "Immunology", 1),
        ),
        (
            "T10105",
            "T11016",
            "T10211",
            "T10613",
            "T10158",
            "T10878",
            "T12264",
            "T11235",
            "T10176",
            "T10911",
        ),
        (
            "antibody",
            "clinical trial",
            "gene therapy",
            "drug delivery",
            "tumour",
            "immunotherapy",
            "biomarker",
        ),
    ),
    "aerospace": (
        ("B64C1/00", "B64D27/00", "B64G1/10", "F02K9/00", "F01D5/00", "B64C39/02", "G01S19/42"),
        (("C146978453", "Aerospace engineering", 1), ("C103888896", "Spaceflight", 2)),
        (
            "T10670",
            "T12513",
            "T11619",
            "T10655",
            "T12042",
            "T10944",
            "T11701",
            "T11082",
            "T11096",
            "T13855",
        ),
        (
            "aircraft",
            "propulsion",
            "satellite",
            "turbine",
            "airframe",
            "navigation",
            "launch vehicle",
        ),
    ),
    "advanced_materials": (
        (
            "C01B32/182",
            "C22C14/00",
            "C04B35/565",
            "C08K3/04",
            "B29C70/06",
            "H01F1/057",
            "B82Y30/00",
        ),
        (
            ("C192562407", "Materials science", 0),
            ("C159985019", "Composite material", 1),
            ("C191897082", "Metallurgy", 1),
            ("C30080830", "Graphene", 2),
            ("C2780026712", "Alloy", 2),
            ("C134132462", "Ceramic", 2),
        ),
        ("T10083", "T10132", "T10219", "T10717", "T10501", "T11100", "T10204", "T10822"),
        ("graphene", "composite", "alloy", "ceramic", "nanoparticle", "microstructure", "polymer"),
    ),
    "clean_energy": (
        ("H02S20/00", "H02S40/38", "F03D7/00", "C25B1/04", "H01M8/10", "H02J3/38", "Y02E10/50"),
        (
            ("C39432304", "Environmental science", 0),
            ("C119599485", "Electrical engineering", 1),
            ("C163258240", "Power (physics)", 2),
        ),
        (
            "T10624",
            "T10247",
            "T10590",
            "T10045",
            "T10468",
            "T10680",
            "T10740",
            "T11941",
            "T11007",
            "T10811",
            "T10409",
            "T10311",
            "T11877",
            "T12271",
        ),
        (
            "solar cell",
            "photovoltaic",
            "wind turbine",
            "hydrogen",
            "electrolysis",
            "fuel cell",
            "grid",
        ),
    ),
    "rail": (
        ("B61L27/00", "B61D17/00", "B61F5/00", "E01B1/00", "B61C3/00", "B61L23/00"),
        (
            ("C22212356", "Transport engineering", 1),
            ("C127413603", "Engineering", 0),
            ("C78519656", "Mechanical engineering", 1),
        ),
        ("T10842", "T12081", "T11568", "T13685", "T13439"),
        ("railway", "high-speed train", "track", "bogie", "signalling", "wheel-rail contact"),
    ),
    "telecom": (
        ("H04W72/04", "H04W24/02", "H04B7/06", "H04L5/00", "H01Q1/24", "H04L27/26", "H03F3/24"),
        (
            ("C76155785", "Telecommunications", 1),
            ("C31258907", "Computer network", 1),
            ("C21822782", "Antenna (radio)", 2),
            ("C186967261", "Mobile device", 2),
        ),
        (
            "T10148",
            "T10069",
            "T10232",
            "T10847",
            "T10575",
            "T10796",
            "T10651",
            "T11133",
            "T10080",
            "T10187",
        ),
        ("5G", "antenna", "MIMO", "optical fibre", "wireless network", "beamforming", "spectrum"),
    ),
    "robotics": (
        ("B25J9/16", "B25J9/00", "G05B19/418", "G05D1/00", "B33Y10/00", "B23K26/00", "B62D57/032"),
        (
            ("C90509273", "Robot", 2),
            ("C115901376", "Automation", 2),
            ("C117671659", "Manufacturing engineering", 1),
            ("C78519656", "Mechanical engineering", 1),
        ),
        (
            "T10040",
            "T10571",
            "T10653",
            "T12784",
            "T10868",
            "T10879",
            "T11023",
            "T10783",
            "T10705",
            "T10763",
            "T13113",
            "T10551",
        ),
        (
            "robot",
            "manipulator",
            "grasping",
            "additive manufacturing",
            "motion planning",
            "machine tool",
            "automation",
        ),
    ),
    "marine": (
        ("B63B35/00", "B63H21/00", "B63C11/00", "B63G8/00", "E02B17/00", "F03B13/14", "B63J3/00"),
        (
            ("C111368507", "Oceanography", 1),
            ("C203635412", "Compartment (ship)", 2),
            ("C127413603", "Engineering", 0),
        ),
        ("T11604", "T13925", "T14164", "T11250", "T11192", "T12432", "T10255"),
        ("ship", "hull", "offshore", "subsea", "wave energy", "mooring", "propeller"),
    ),
}

# CPC subgroups of the planted bottleneck main group; never drawn for ordinary patents.
BOTTLENECK_CPC: tuple[str, ...] = ("G03F7/20", "G03F7/70", "G03F7/004")

GENERIC_WORDS: tuple[str, ...] = tuple(
    "we propose a novel method for the analysis of results show that performance improves "
    "significantly compared with existing approaches experiments demonstrate robust efficient "
    "scalable design model framework evaluation data system structure process properties "
    "measurement simulation theory application control optimisation stability".split()
)
FIRST_NAMES: tuple[str, ...] = tuple(
    "Wei Li Ana Maria Jan Anna Hiroshi Yuki Min-jun Ji-woo Priya Arjun Olga Ivan Sara Luca "
    "Fatima Omar Emma Noah Chen Mei Lars Ingrid Pierre Claire Diego Lucia Kwame Amara Tomas "
    "Eva Rafael Beatriz Aiko Kenji Hana Mateo Zeynep Elif".split()
)
LAST_NAMES: tuple[str, ...] = tuple(
    "Wang Zhang Liu Chen Smith Johnson Garcia Muller Schmidt Sato Suzuki Kim Lee Park Patel "
    "Sharma Ivanov Rossi Bianchi Martin Bernard Silva Santos Jensen Nielsen Andersson "
    "Johansson Kowalski Novak Yilmaz Cohen Levi Nguyen Tran Ali Hassan Okafor Mensah Brown "
    "Taylor Wilson Dubois Moreau Fischer Weber Tanaka Watanabe Choi Jung Singh Kumar Petrov "
    "Ferrari Lopez Gonzalez Fernandez Costa Murphy Kelly".split()
)


def _load_topics() -> dict[str, tuple[str, int, str, int, str, int, str]]:
    """The topic table from ``forcemap/data/synth/topics.yaml`` (order kept), as tuples."""
    text = data_path("synth", "topics.yaml").read_text(encoding="utf-8")
    raw: dict[str, list[str | int]] = yaml.safe_load(text)
    out: dict[str, tuple[str, int, str, int, str, int, str]] = {}
    for tid, (name, sf, sfn, f, fn, d, dn) in raw.items():
        out[tid] = (str(name), int(sf), str(sfn), int(f), str(fn), int(d), str(dn))
    return out


TOPICS: dict[str, tuple[str, int, str, int, str, int, str]] = _load_topics()
"""OpenAlex topic id -> (name, subfield id, subfield name, field id, field name, domain id,
domain name): the 107 topics of the synthetic world, shipped as data (``synth/topics.yaml``)."""
INDUSTRY_HS6: dict[str, tuple[str, ...]] = {
    "semiconductors": ("848620", "280461", "381800", "848610", "848630", "848640"),
    "nev_batteries": ("810520", "810590", "850710", "850730", "850760", "850790"),
    "quantum": (),
    "ai": ("847130", "847141", "847149", "847150", "847160", "854231"),
    "biomedicine": ("294110", "300214", "300410", "300449", "901819", "901890"),
    "aerospace": ("841111", "841181", "880211", "880240", "880622", "880691"),
    "advanced_materials": ("284910", "285000", "380130", "690310", "810820", "850511"),
    "clean_energy": ("280410", "850231", "854142", "854143"),
    "rail": ("860110", "860290", "860400", "860630", "860699", "860719"),
    "telecom": ("851711", "851714", "851761", "851769", "851779", "852560"),
    "robotics": ("845611", "845730", "845939", "846219", "846239", "846290"),
    "marine": ("890110", "890130", "890200", "890510", "890590", "890690"),
}
FILLER_HS6: tuple[str, ...] = tuple(
    """
    010121 010612 020322 020713 020890 030219 030253 030314 030355 030441 030472 030520
    030612 030721 030791 040390 041090 060290 070610 071010 071331 080211 080440 081010
    090190 090832 100490 110320 120190 120921 121299 150190 151219 151790 160415 160561
    180310 190510 200591 200929 210330 220720 230641 240491 251110 252020 253010 261590
    270220 271113 280429 281121 281700 282590 283110 283526 284130 284520 290242 290346
    290392 290529 290719 291040 291431 291560 291734 291990 292144 292250 292640 293147
    293319 293379 293627 293945 300349 310280 320412 320810 330190 340111 340600 360350
    370254 380620 381129 382311 382510 382763 390422 390761 391310 391910 392112 392630
    400300 401012 401310 410320 411200 420321 440131 440395 440728 441112 441490 441911
    460192 470691 480429 480630 481159 481950 490290 500790 510810 520419 520544 520645
    520911 521039 521215 530911 540249 540710 540792 550320 550942 551229 551441 551633
    560391 570231 580123 580639 590500 600310 600621 610323 610449 610799 611190 611691
    620332 620444 620791 621133 630110 630392 630710 640399 660390 680423 681280 690721
    700232 701020 701810 710110 710812 711420 720270 720720 720928 721240 721661 721934
    722592 730210 730531 730799 731450 731829 732410 740620 741121 750512 760612 780110
    810110 810929 811261 820411 820810 821591 830610 840220 840820 841360 841620 841934
    842191 842511 842832 843061 843340 843820 844250 844610 845019 845430 846320 846711
    847290 847720 848020 848310 850140 850431 851030 851490 851890 852499 853080 853400
    853921 854320 854800 870193 870423 870830 871200 880521 900220 900850 901540 902480
    902920 903300 910599 911320 930120 940149 940389 940599 950659 960190 960850 961800
    """.split()
)
