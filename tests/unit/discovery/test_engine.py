"""The embedded engine's rules beyond relevance: the audience, facets and filters, updates and
unpublishing, did-you-mean, people, the explained ranking, and the query's own limits."""

from __future__ import annotations

import dataclasses

import pytest

from cinemesh.contracts.ratings import MaturityRating
from cinemesh.discovery.domain.documents import search_document
from cinemesh.discovery.domain.search import InvalidQueryError, Query
from cinemesh.discovery.domain.text import fold, words
from cinemesh.discovery.engine.memory import MemoryIndex
from tests.unit.discovery.relevance import (
    EVERYONE,
    TITLES,
    document,
    documents,
    memory_engine,
    search,
    titles,
)


def test_text_is_folded_and_numerals_and_synonyms_are_one_word() -> None:
    assert fold("Amélie ÇA Straße ﬁlm") == "amelie ca strasse film"
    assert words("Sci-Fi: Schindler\u2019s List, Mr. Bean") == [
        "science",
        "fiction",
        "schindlers",
        "list",
        "mister",
        "bean",
    ]
    assert words("東京物語 Ωmega") == ["東京物語", "ωmega"]


@pytest.mark.parametrize("text", ["", "   ", "!!!", "a\x00b", "x" * 201, "é" * 201])
def test_a_query_without_words_or_with_nul_or_too_long_is_refused(text: str) -> None:
    with pytest.raises(InvalidQueryError) as refused:
        Query.parse(text)
    assert refused.value.field == "q"


def test_the_last_word_is_a_prefix_only_while_typing_and_stop_words_are_optional() -> None:
    typing = Query.parse("the godf")
    assert [(t.word, t.prefix, t.optional) for t in typing.terms] == [
        ("the", False, True),
        ("godf", True, False),
    ]
    assert not Query.parse("godfather ").terms[-1].prefix
    assert not Query.parse("the").terms[0].optional  # a query of stop words only needs them


def test_a_kids_limit_and_the_region_and_window_decide_what_is_found() -> None:
    index = memory_engine()
    kids = dataclasses.replace(EVERYONE, max_rating=MaturityRating.PG)
    assert titles(index, "godfather") and titles(index, "godfather", kids) == []  # R
    assert "Toy Story" in titles(index, "toy story", kids)
    assert titles(index, "toy story", dataclasses.replace(EVERYONE, country="FR")) == []
    assert titles(index, "toy story", dataclasses.replace(EVERYONE, country=None)) == []
    closed = [
        {"country": "US", "starts_at": "2000-01-01T00:00:00+00:00", "ends_at": "2001-01-01T00:00:00+00:00"}
    ]
    number = next(n for n, title in enumerate(TITLES) if title["title"] == "Toy Story")
    index.upsert([search_document(document(number, TITLES[number], availability=closed, version=2))])
    assert "Toy Story" not in titles(index, "toy story")


def test_an_update_replaces_an_unpublish_removes_and_an_older_version_is_ignored() -> None:
    index = MemoryIndex()
    first = document(1, TITLES[0])
    index.upsert([search_document(first)])
    renamed = {**first, "title": "The Codfather", "version": 2}
    assert index.upsert([search_document(renamed)]) == 1
    assert titles(index, "codfather") == ["The Codfather"] and titles(index, "godfather ") == [
        "The Codfather"
    ]
    assert index.upsert([search_document(first)]) == 0  # a replay's older snapshot
    assert index.upsert([search_document({**renamed, "status": "unpublished", "version": 3})]) == 1
    assert titles(index, "codfather") == [] and len(index) == 0


def test_facets_count_each_facet_as_if_its_own_filter_were_unset() -> None:
    index = memory_engine()
    unfiltered = search(index, "nolan")
    assert unfiltered.facets["genre"]["science_fiction"] == 2 and unfiltered.total == 4
    narrowed = search(index, "nolan", genre="science_fiction")
    assert narrowed.total == 2 and narrowed.facets["genre"] == unfiltered.facets["genre"]
    assert set(narrowed.facets["rating"]) == {"PG-13"}
    assert search(index, "nolan", year_from=2010, year_to=2014).total == 2
    assert search(index, "nolan", rating="R").total == 1
    assert search(index, "nolan", subtitles="fr").total + search(index, "nolan", subtitles="de").total <= 4
    assert search(index, "nolan", content_type="tv_series").total == 0


def test_people_did_you_mean_and_the_ranking_explained() -> None:
    index = memory_engine()
    result = search(index, "tom hanks")
    assert result.people[0].name == "Tom Hanks" and result.people[0].titles == 7
    assert search(index, "zzqxw godfather").hits == []  # every word is required
    nothing = search(index, "shwshnkk rdmpton")
    assert nothing.hits == [] and nothing.did_you_mean == "shawshank redemption"
    ranked = search(index, "godfathr").hits[0]
    assert ranked.ranking.explain()["typos"] == 1 and ranked.ranking.attribute == 0
    assert ranked.highlights["title"] == {"text": "The Godfather", "ranges": [[4, 13]]}
    first_letter = search(index, "fodfather").hits[0].ranking
    assert first_letter.typos == 1.5  # a typo on the first letter ranks below any other typo


def test_a_rebuild_from_the_same_snapshots_answers_the_same() -> None:
    built, rebuilt = memory_engine(), MemoryIndex()
    for snapshot in reversed(documents()):
        rebuilt.upsert([search_document(snapshot)])
    for q in ("godfather", "tom hanks", "maid", "rocky 2", "planet", "sci-fi"):
        assert titles(built, q) == titles(rebuilt, q)
