"""Decisions: each function takes the store, a home country and an industry and returns a
:class:`~forcemap.decide.result.DecisionResult` (tables, the rule with its thresholds, evidence
and caveats).

==================  ==========================================================
``positioning``     catch-up / parallel / leading per industry (C3)
``bottlenecks``     technologies and products the country depends on (C4)
``actors``          strategic S&T organisations per industry (C5)
``benchmark``       the country beside its peers per industry or field (C2)
``talent``          strategic scientists, rising talent, talent flows (C11)
``landscape``       portfolio value, holder × CPC matrix, white spaces (C12)
``watch``           technology watch: emerging, accelerating, disruptive units (C7)
``consortium``      consortium builder: coverage of sub-technologies as a MILP (C8)
``portfolio``       project review (continue / review / withdraw) and budget allocation (C10)
``explore``         text search over works/patents and technical pathway discovery (C13)
==================  ==========================================================
"""
