"""The bundled data, checked the way an analyst would check it.

Each test is one question a reader of the five sources can answer by hand;
the expected answers come from the sources, not from the data.
"""

from __future__ import annotations

from support import KB, ask, select


def test_who_led_each_delegation_in_geneva_on_10_january_2022() -> None:
    rows = select(
        """SELECT ?partyLabel ?headLabel WHERE {
             ?meeting pos:date "2022-01-10"^^xsd:date ; pos:place/rdfs:label "Geneva"@en ;
                      pos:delegation ?d .
             ?d pos:delegationOf/rdfs:label ?partyLabel ; pos:head/rdfs:label ?headLabel .
           } ORDER BY ?partyLabel"""
    )
    assert [(r["partyLabel"], r["headLabel"]) for r in rows] == [
        ("Russia", "Sergei Ryabkov"),
        ("United States", "Wendy Sherman"),
    ]


def test_the_state_departments_unacceptable_statement_names_no_specific_demand() -> None:
    rows = select(
        """SELECT ?target ?scope WHERE {
             ?s pos:stance stance:calls-unacceptable ; pos:speaker kb:karen-donfried ;
                pos:target ?target ; pos:targetScope ?scope .
           }"""
    )
    assert rows == [
        {"target": KB + "russia-security-proposals-2021",
         "scope": "https://w3id.org/positions/vocab/scope/unspecified-part"}
    ]  # fmt: skip
    assert not ask("ASK { ?s pos:speaker kb:karen-donfried ; pos:target ?d . ?d a pos:Demand }")


def test_the_january_talks_are_dated_10_12_and_13_january_with_places_where_given() -> None:
    rows = select(
        """SELECT ?partner ?date ?place WHERE {
             ?m a pos:Meeting ; pos:date ?date ; pos:participant kb:russia , ?p .
             ?p rdfs:label ?partner . FILTER(?p != kb:russia)
             OPTIONAL { ?m pos:place/rdfs:label ?place }
             FILTER(?date >= "2022-01-10"^^xsd:date && ?date <= "2022-01-13"^^xsd:date)
           } ORDER BY ?date"""
    )
    assert rows == [
        {"partner": "United States", "date": "2022-01-10", "place": "Geneva"},
        {"partner": "NATO", "date": "2022-01-12", "place": "Brussels"},
        {"partner": "OSCE", "date": "2022-01-13", "place": "Vienna"},
    ]


def test_ukraine_never_joining_nato_refines_no_further_expansion() -> None:
    assert ask("ASK { kb:demand-ukraine-never-in-nato pos:refines kb:demand-no-nato-enlargement }")


def test_the_draft_agreements_were_sent_on_15_and_published_on_17_december_2021() -> None:
    rows = select(
        """SELECT ?doc ?to ?sent ?published WHERE {
             kb:russia-security-proposals-2021 pos:setOutIn ?doc .
             ?doc pos:addressedTo/rdfs:label ?to ; pos:sentOn ?sent ; pos:publishedOn ?published .
           } ORDER BY ?to"""
    )
    assert [(r["to"], r["sent"], r["published"]) for r in rows] == [
        ("NATO", "2021-12-15", "2021-12-17"),
        ("United States", "2021-12-15", "2021-12-17"),
    ]


def test_the_written_responses_are_only_promised() -> None:
    rows = select(
        """SELECT ?doc ?status WHERE { ?doc pos:respondsTo kb:russia-security-proposals-2021 ;
             pos:documentStatus ?status } ORDER BY ?doc"""
    )
    assert {r["status"].rsplit("/", 1)[1] for r in rows} == {"promised"}
    assert len(rows) == 2


def test_commentators_and_outlets_are_not_parties_and_make_no_statements() -> None:
    for node in ("paul-craig-roberts", "manu-pineda", "geofor", "moon-of-alabama"):
        assert not ask(f"ASK {{ kb:{node} a/rdfs:subClassOf* pos:Party }}"), node
        assert not ask(f"ASK {{ ?s pos:speaker kb:{node} }}"), node
        assert not ask(f"ASK {{ ?s pos:onBehalfOf kb:{node} }}"), node
    assert ask("ASK { ?c a pos:Commentary ; pos:commentator kb:paul-craig-roberts }")


def test_statements_from_the_undated_source_carry_only_inferred_dates() -> None:
    # Source 002 prints no date: its 'Tuesday' is counted from source 003's
    # 15 December ('last week'), so every date it gives is marked inferred.
    rows = select(
        """SELECT DISTINCT ?s ?d ?basis WHERE {
             ?s a pos:Statement ; pos:evidence/pos:source kb:source-002 .
             { ?s pos:date ?d ; pos:dateBasis ?basis }
             UNION { ?s pos:occasion ?o . ?o pos:date ?d ; pos:dateBasis ?basis }
             UNION { ?s pos:notAfter ?d } UNION { ?s pos:notBefore ?d }
           }"""
    )
    assert rows and {(r["d"], r.get("basis")) for r in rows} == {
        ("2021-12-21", "https://w3id.org/positions/vocab/datebasis/from-weekday")
    }


def test_bounded_dates_never_exceed_the_publication_of_the_reporting_source() -> None:
    rows = select(
        """SELECT ?s ?bound ?published WHERE {
             ?s pos:notAfter ?bound ; pos:evidence/pos:source ?src .
             ?src pos:publishedOn ?published .
             FILTER(?bound > ?published)
           }"""
    )
    assert rows == []
    # and every bound equals the publication date of some source that reports it,
    # or says how it was reached
    assert not ask(
        """ASK { ?s a pos:Statement ; pos:notAfter ?bound .
                 FILTER NOT EXISTS { ?s pos:evidence/pos:source/pos:publishedOn ?bound }
                 FILTER NOT EXISTS { ?s pos:dateReasoning ?why } }"""
    )


def test_speakers_speak_for_the_party_their_role_belongs_to() -> None:
    rows = select(
        """SELECT ?s WHERE {
             ?s pos:inRole/org:organization ?org ; pos:onBehalfOf ?party .
             FILTER NOT EXISTS { ?org org:subOrganizationOf* ?party }
           }"""
    )
    assert rows == []


def test_blinken_has_no_role_because_no_source_gives_one() -> None:
    assert not ask("ASK { ?m org:member kb:anthony-blinken }")


def test_well_known_parties_carry_their_wikidata_iris_and_none_is_shared() -> None:
    rows = select("SELECT ?n ?wd WHERE { ?n owl:sameAs ?wd }")
    links = {r["n"].removeprefix(KB): r["wd"].rsplit("/", 1)[1] for r in rows}
    assert links["russia"] == "Q159"
    assert links["united-states"] == "Q30"
    assert links["nato"] == "Q7184"
    assert links["vladimir-putin"] == "Q7747"
    assert len(set(links.values())) == len(links)


def test_the_price_statement_is_reported_in_two_different_wordings() -> None:
    rows = select(
        """SELECT ?ev WHERE { kb:stmt-price-no-one-sided-concessions pos:evidence ?ev }"""
    )
    assert len(rows) == 2


def test_every_statement_has_a_speaker_party_stance_and_evidence() -> None:
    rows = select(
        """SELECT ?s WHERE { ?s a pos:Statement .
             FILTER NOT EXISTS { ?s pos:speaker ?x ; pos:onBehalfOf ?y ; pos:stance ?z ;
                                    pos:evidence/pos:source ?w } }"""
    )
    assert rows == []


def test_us_explicit_rejection_of_no_further_expansion_is_sherman_at_geneva() -> None:
    rows = select(
        """SELECT ?speaker ?occasion WHERE {
             ?s pos:onBehalfOf kb:united-states ; pos:stance stance:rejects ;
                pos:target kb:demand-no-nato-enlargement ; pos:speaker ?speaker .
             OPTIONAL { ?s pos:occasion ?occasion }
           } ORDER BY ?speaker"""
    )
    assert {r["speaker"].removeprefix(KB) for r in rows} == {"wendy-sherman"}
    assert {r["occasion"].removeprefix(KB) for r in rows} == {"meeting-2022-01-10-geneva"}
