"""Shared fixtures: the embedded snapshot networks, built once per test session.

``build_network`` caches per region and settings, so these are the same
objects the package hands out; tests must treat them as read-only (one test
checks that scenarios never change them).
"""

from __future__ import annotations

import pytest

from corridor.network import build_network


@pytest.fixture(scope="session")
def tumen():
    """The tumen region network from the embedded snapshot."""
    return build_network("tumen", source="snapshot")


@pytest.fixture(scope="session")
def nea():
    """The northeast-asia region network from the embedded snapshot."""
    return build_network("northeast-asia", source="snapshot")


@pytest.fixture(scope="session")
def networks(tumen, nea):
    """Both region networks by name."""
    return {"tumen": tumen, "northeast-asia": nea}
