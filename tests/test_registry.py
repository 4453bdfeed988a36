"""One check registry: a check's YAML names its category and the detectors that find it in a PR; the category type,
the file name and the id agree with it; `registry.spec` is the one lookup."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import get_args

import pytest

from assistant.checks import registry
from assistant.checks.detectors import detector_names
from assistant.models import Category

DEFINITIONS = Path(registry.__file__).parent / "definitions"


def test_the_category_type_is_the_registrys() -> None:
    assert set(get_args(Category)) == {s.category for s in registry.load_checks()}
    for path in DEFINITIONS.glob("*.yaml"):  # one name: the file, the id and the category
        spec = next(s for s in registry.load_checks() if s.id == path.stem)
        assert spec.category == path.stem
        assert registry.spec(spec.category) is spec


def test_every_detector_belongs_to_exactly_one_check() -> None:
    named = Counter(d for s in registry.load_checks() for d in s.detectors)
    assert [d for d, n in named.items() if n > 1] == []
    assert set(named) == set(detector_names())


def test_an_unknown_category_has_no_spec() -> None:
    with pytest.raises(KeyError):
        registry.spec("no-such-category")
