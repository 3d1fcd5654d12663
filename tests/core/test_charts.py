"""The trend chart is drawn once per content and kept in the cache."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from barys.core import charts
from barys.core.charts import Series, SeriesPoint


def _series(last: float) -> list[Series]:
    return [
        Series(
            label="Ile-Alatau (individuals)",
            points=[SeriesPoint(2015, 18, 14, 23), SeriesPoint(2024, last, uncertain=True)],
        )
    ]


def test_same_content_is_drawn_once(monkeypatch: pytest.MonkeyPatch) -> None:
    cache.clear()
    drawn: list[str] = []
    draw = charts._draw_trend_chart

    def counting(*args: object) -> str:
        drawn.append(str(args[1]))
        return draw(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(charts, "_draw_trend_chart", counting)
    first = charts.trend_chart(_series(22), title="Snow leopard", y_label="Number")
    again = charts.trend_chart(_series(22), title="Snow leopard", y_label="Number")
    assert first == again and first.startswith("<svg")
    assert len(drawn) == 1
    changed = charts.trend_chart(_series(25), title="Snow leopard", y_label="Number")
    other_language = charts.trend_chart(_series(22), title="Барыс", y_label="Саны")
    assert len(drawn) == 3
    assert changed != first and other_language != first
