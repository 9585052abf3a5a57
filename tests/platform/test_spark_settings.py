"""The local Spark session's driver memory comes from ``PARTCD_SPARK_DRIVER_MEMORY`` (a JVM size), 4g by default."""

from __future__ import annotations

import pytest

from partcd.core.errors import ConfigError
from partcd.platform import frames


def test_driver_memory_defaults_to_4g(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PARTCD_SPARK_DRIVER_MEMORY", raising=False)
    assert frames.spark_driver_memory() == "4g"


@pytest.mark.parametrize(("given", "used"), [("8G", "8g"), (" 2048m ", "2048m"), ("512k", "512k"), ("1t", "1t")])
def test_driver_memory_takes_a_jvm_size(monkeypatch: pytest.MonkeyPatch, given: str, used: str) -> None:
    monkeypatch.setenv("PARTCD_SPARK_DRIVER_MEMORY", given)
    assert frames.spark_driver_memory() == used


@pytest.mark.parametrize("given", ["4", "4gb", "-1g", "0g", "lots", "4g; rm -rf /", "99999999g"])
def test_driver_memory_refuses_anything_else(monkeypatch: pytest.MonkeyPatch, given: str) -> None:
    monkeypatch.setenv("PARTCD_SPARK_DRIVER_MEMORY", given)
    with pytest.raises(ConfigError, match="PARTCD_SPARK_DRIVER_MEMORY"):
        frames.spark_driver_memory()
