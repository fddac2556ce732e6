"""PatentsView bulk tables (granted patents, 2023+ ``g_`` layout) — column layout.

The reader is being written; this module's ``PATENTSVIEW_TABLES`` is the single source of the
column layout, also used by the synthetic world generator.
"""

from __future__ import annotations

__all__ = ["PATENTSVIEW_TABLES"]

PATENTSVIEW_TABLES: dict[str, tuple[str, ...]] = {
    "g_patent": (
        "patent_id", "patent_type", "patent_date", "patent_title", "patent_abstract",
        "wipo_kind", "num_claims", "withdrawn", "filename",
    ),
    "g_application": (
        "application_id", "patent_id", "patent_application_type", "filing_date",
        "series_code", "rule_47_flag",
    ),
    "g_cpc_current": (
        "patent_id", "cpc_sequence", "cpc_section", "cpc_class", "cpc_subclass", "cpc_group",
        "cpc_type",
    ),
    "g_assignee_disambiguated": (
        "patent_id", "assignee_sequence", "assignee_id",
        "disambig_assignee_individual_name_first", "disambig_assignee_individual_name_last",
        "disambig_assignee_organization", "assignee_type", "location_id",
    ),
    "g_inventor_disambiguated": (
        "patent_id", "inventor_sequence", "inventor_id", "disambig_inventor_name_first",
        "disambig_inventor_name_last", "gender_code", "location_id",
    ),
    "g_location_disambiguated": (
        "location_id", "disambig_city", "disambig_state", "disambig_country", "latitude",
        "longitude", "county", "state_fips", "county_fips",
    ),
    "g_us_patent_citation": (
        "patent_id", "citation_sequence", "citation_patent_id", "citation_date", "record_name",
        "wipo_kind", "citation_category",
    ),
}
