"""The relevance suite: queries a viewer types, with the titles that must come first (in that
order) or be within the first three. Typos, prefixes, substrings, people, numerals, accents,
synonyms, stop words. Every engine adapter must pass it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from cinemesh.discovery.engine.port import SearchEngine
from tests.unit.discovery.relevance import memory_engine, titles

ENGINES: dict[str, Callable[[], SearchEngine]] = {"memory": memory_engine}

# query -> the first results, in order
FIRST: dict[str, list[str]] = {
    # exact and as you type
    "the godfather": ["The Godfather"],
    "godfather": ["The Godfather"],
    "godfather part ii": ["The Godfather Part II"],
    "godf": ["The Godfather"],
    "interst": ["Interstellar"],
    "shawshank": ["The Shawshank Redemption"],
    "the dark kn": ["The Dark Knight"],
    "lord of the rings return": ["The Lord of the Rings: The Return of the King"],
    "kill bill 2": ["Kill Bill: Vol. 2"],
    "toy story": ["Toy Story"],
    "alien": ["Alien", "Aliens"],
    "up": ["Up"],
    "seven": ["Seven", "Seven Samurai"],
    # typos: one from 4 letters, two from 7, transpositions, first letter ranked lower
    "godfathr": ["The Godfather"],
    "godfahter": ["The Godfather"],
    "intersteller": ["Interstellar"],
    "shawshenk redemtion": ["The Shawshank Redemption"],
    "jurasic park": ["Jurassic Park"],
    "termnator": ["The Terminator"],
    "gladiatr": ["Gladiator"],
    "ratatoulie": ["Ratatouille"],
    "casablance": ["Casablanca"],
    "vertgo": ["Vertigo"],
    "parasit": ["Parasite"],
    "matirx": ["The Matrix"],
    "odfather": ["The Godfather"],
    "frozne": ["Frozen"],
    "amadeos": ["Amadeus"],
    # numerals both ways
    "rocky 2": ["Rocky II"],
    "rocky ii": ["Rocky II"],
    "rocky iv": ["Rocky IV"],
    "rocky 3": ["Rocky III"],
    "godfather 3": ["The Godfather Part III"],
    "toy story ii": ["Toy Story 2"],
    "blue planet 2": ["Blue Planet II"],
    "back to the future 3": ["Back to the Future Part III"],
    "terminator 2": ["Terminator 2: Judgment Day"],
    # accents and case folded both ways
    "amelie": ["Amélie"],
    "AMÉLIE poulain": ["Le Fabuleux Destin d'Amélie Poulain"],
    "leon professional": ["Léon: The Professional"],
    "ca": ["Ça"],
    "y tu mama tambien": ["Y Tu Mamá También"],
    "sieben tage": ["Sieben Tage"],
    "schindlers list": ["Schindler's List"],
    "pans labyrinth": ["Pan's Labyrinth"],
    # synonyms and spelled-out forms
    "mister bean": ["Mr. Bean"],
    "doctor strangelove": ["Dr. Strangelove"],
    "fantastic mister fox": ["Fantastic Mr. Fox"],
    "romcom gold": ["Romantic Comedy Gold"],
    # substrings that a prefix engine misses
    "ermaid": ["The Mermaid", "The Little Mermaid"],
    "budapest": ["The Grand Budapest Hotel"],
    # stop words not required
    "godfather the": ["The Godfather"],
    "return of king": ["The Lord of the Rings: The Return of the King"],
    # a title word beats a cast name beats a description word
    "drive": ["Drive"],
    "speed": ["Speed"],
}

# query -> the titles the first three (or as many as listed) must come from
TOP3: dict[str, set[str]] = {
    "maid": {"Maid", "The Maid", "The Mermaid"},
    "tom hanks": {"Forrest Gump", "Cast Away", "Toy Story"} | {"Saving Private Ryan", "The Green Mile"},
    "hanks": {"Forrest Gump", "Cast Away", "Toy Story"} | {"Saving Private Ryan", "The Green Mile"},
    "nolan": {"Interstellar", "Inception", "The Dark Knight", "Memento"},
    "christopher nolan": {"Interstellar", "Inception", "The Dark Knight", "Memento"},
    "keanu": {"The Matrix", "John Wick", "Speed"},
    "keanu reevs": {"The Matrix", "John Wick", "Speed"},
    "miyazaki": {"Spirited Away", "My Neighbor Totoro", "Princess Mononoke"},
    "miyazky": {"Spirited Away", "My Neighbor Totoro", "Princess Mononoke"},
    "attenborough": {"Planet Earth", "Blue Planet II", "Our Planet"},
    "michelle yeoh": {"Everything Everywhere All at Once", "Crouching Tiger, Hidden Dragon"},
    "timothee chalamet": {"Dune"},
    "joon ho": {"Parasite"},
    "planet": {"Planet Earth", "Our Planet", "Blue Planet II"},
    "harry potter": {"Harry Potter and the Philosopher's Stone", "Harry Potter and the Chamber of Secrets"},
    "hary poter": {"Harry Potter and the Philosopher's Stone", "Harry Potter and the Chamber of Secrets"},
    "kubrick": {"The Shining", "2001: A Space Odyssey", "A Clockwork Orange", "Dr. Strangelove"},
    "star": {"Star Wars", "Star Trek"},
    "sci-fi space": {"2001: A Space Odyssey", "Alien", "Interstellar", "Gravity"},
    "2001": {"2001: A Space Odyssey"},
    "nemo": {"Finding Nemo"},
    "miyazaki totoro": {"My Neighbor Totoro"},
    "jura park": {"Jurassic Park"},  # a word not typed last matches as a prefix too
    "penguin": {"March of the Penguins"},
}


@pytest.fixture(scope="module", params=sorted(ENGINES))
def engine(request: pytest.FixtureRequest) -> SearchEngine:
    return ENGINES[request.param]()


def test_the_suite_has_at_least_sixty_queries() -> None:
    assert len(FIRST) + len(TOP3) >= 60


@pytest.mark.parametrize(("query", "expected"), sorted(FIRST.items()))
def test_first_results(engine: SearchEngine, query: str, expected: list[str]) -> None:
    found = titles(engine, query)
    assert found[: len(expected)] == expected, found[:5]


@pytest.mark.parametrize(("query", "expected"), [(query, TOP3[query]) for query in sorted(TOP3)])
def test_within_the_first_three(engine: SearchEngine, query: str, expected: set[str]) -> None:
    found = titles(engine, query)
    wanted = min(3, len(expected))
    assert len(found) >= wanted and set(found[:wanted]) <= expected, found[:5]
