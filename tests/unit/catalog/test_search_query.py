"""How search text is folded and how a query becomes each engine's expression."""

from __future__ import annotations

import pytest

from cinemesh.catalog.read.domain.search import InvalidQueryError, SearchQuery, search_row_of, words


def test_words_fold_case_and_accents_and_drop_punctuation() -> None:
    assert words("Le Fabuleux Destin d'Amélie POULAIN!") == [
        "le",
        "fabuleux",
        "destin",
        "d",
        "amelie",
        "poulain",
    ]
    assert words("Straße_über 2001: A Space-Odyssey") == ["strasse", "uber", "2001", "a", "space", "odyssey"]
    assert words("  ...  ") == []


def test_a_query_is_unique_prefix_terms_in_both_syntaxes() -> None:
    query = SearchQuery.parse('Big  "bunn" big')
    assert query.terms == ("big", "bunn")
    assert query.fts5() == '"big"* "bunn"*'
    assert query.tsquery() == "'big':* & 'bunn':*"
    # Operators of either engine are not words, so a query cannot inject syntax.
    assert SearchQuery.parse("a' | b:* NEAR(c) -d").terms == ("a", "b", "near", "c", "d")
    assert SearchQuery.parse("bunny").fingerprint != SearchQuery.parse("bunn").fingerprint


@pytest.mark.parametrize("text", ["", "   ", "?!", "x" * 201, "a b c d e f g h i"])
def test_bad_queries_are_refused(text: str) -> None:
    with pytest.raises(InvalidQueryError):
        SearchQuery.parse(text)


def test_search_row_holds_every_searchable_field_folded() -> None:
    document = {
        "id": "t1",
        "title": "Amélie",
        "description": None,
        "genres": ["comedy", "romance"],
        "cast": [{"name": "Audrey Tautou", "character": "Amélie Poulain"}, {"name": "X", "character": None}],
        "crew": [{"name": "Jean-Pierre Jeunet", "job": "director"}],
        "seasons": [{"name": None, "episodes": [{"name": "Pilot", "synopsis": "It begins."}]}],
    }
    assert search_row_of(document) == {
        "title_id": "t1",
        "title": "amelie",
        "people": "audrey tautou x amelie poulain jean pierre jeunet",
        "genres": "comedy romance",
        "description": "",
        "episodes": "pilot it begins",
    }
