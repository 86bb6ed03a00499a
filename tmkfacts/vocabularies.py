"""The closed vocabularies of fact files: kinds of fact, entity types, relations, countries.

Closed so that a misspelt value is caught by `check`. Plain data, cheap to import: the command
line names them in its help without loading the model.
"""

from __future__ import annotations

#: What a fact records. The vocabulary is closed so that a misspelt kind is caught by `check`.
#: The entity the fact base is about: its partners deal with it, and a search ranks facts that
#: name it before other facts that match as well.
SUBJECT = "tmk"

KINDS: dict[str, str] = {
    "export": "goods shipped abroad, or export results",
    "production": "what is made: output, capacity, a first product or a technology mastered",
    "agreement": "a contract, memorandum or services agreement signed",
    "membership": "joining an association, alliance or institute",
    "meeting": "an official meeting or a round of meetings",
    "negotiation": "talks, proposals and interests voiced in them",
    "announcement": "where and how something was made public",
    "plan": "something scheduled to happen later",
    "forecast": "a figure or outcome expected later",
    "profile": "what an organization is, owns or does",
    "founding": "when and where an organization was set up",
    "background": "context about a material, a market or a policy",
    "benefit": "what a membership or partnership is expected to give",
    "statement": "what a named person or organization said",
    "assessment": "a publication's own analysis or opinion",
}

#: What an entity is.
ENTITY_TYPES: dict[str, str] = {
    "company": "a business, state-owned or private",
    "association": "an industry association",
    "alliance": "an alliance of industry, research and public bodies",
    "institute": "an institute or think tank",
    "research centre": "a research centre or research organization",
    "university": "a university",
    "network": "a network or innovation community",
    "government body": "a ministry, agency, commission or directorate",
    "union": "a union of states",
    "country": "a country as a party to agreements",
    "person": "a named person",
    "event": "a conference, forum or week of events",
    "organization": "an organization the sources do not say more of",
}

#: How TMK deals with an organization: the `relations` of a partner's entity.
RELATIONS: dict[str, str] = {
    "buyer": "buys TMK's products",
    "export partner": "is party to a contract under which TMK exports",
    "contractor": "builds, modernizes or brings in technology for TMK under contract",
    "research partner": "does research or technical services for or with TMK",
    "negotiation partner": "has held talks with TMK on cooperation",
    "joint-venture prospect": "has discussed setting up a joint venture with TMK",
}

#: Entity types that cannot be partners: TMK deals with organizations, not with these.
NOT_ORGANIZATIONS: frozenset[str] = frozenset({"person", "country", "union", "event"})

#: Scales a figure's value may be given in.
SCALES: dict[str, int] = {"thousand": 10**3, "million": 10**6, "billion": 10**9}

#: ISO 3166-1 alpha-2 codes, officially assigned.
COUNTRIES: frozenset[str] = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR
    BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ
    EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW
    GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY
    KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV
    MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY
    QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG
    TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM
    ZW
    """.split()
)
