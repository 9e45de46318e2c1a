"""The ``piv_project`` fixture: a real git project whose store can be damaged for real."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.reliability.piv_project import PivProject, new_project


@pytest.fixture
def piv_project() -> Iterator[PivProject]:
    yield from new_project()
