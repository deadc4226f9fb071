"""The theme's colours are readable: every text/background pair is at least 4.5:1."""

from __future__ import annotations

import pytest

from qt_common.theme import HIGH_CONTRAST, MIN_CONTRAST, NORMAL, contrast_ratio, make_theme


def test_contrast_ratio_known_values() -> None:
    """Black on white is 21:1, a colour on itself 1:1, grey #767676 on white 4.54:1."""
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#123456", "#123456") == pytest.approx(1.0)
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


@pytest.mark.parametrize("palette", [NORMAL, HIGH_CONTRAST], ids=["normal", "high-contrast"])
def test_every_pair_meets_wcag_aa(palette: object) -> None:
    """Body text, secondary text, buttons, disabled buttons, banners and the ticket number all
    reach 4.5:1 (high contrast reaches 7:1 for its main pairs)."""
    pairs = palette.pairs()  # type: ignore[attr-defined]
    low = {name: round(contrast_ratio(fg, bg), 2) for name, (fg, bg) in pairs.items()
           if contrast_ratio(fg, bg) < MIN_CONTRAST}  # fmt: skip
    assert low == {}
    if palette is HIGH_CONTRAST:
        assert contrast_ratio(*pairs["body text"]) >= 7 and contrast_ratio(*pairs["button"]) >= 7


def test_large_text_scales_sizes_and_keeps_body_at_least_24px() -> None:
    """Large text multiplies every size; the normal body size is already ≥ 24 px."""
    normal, large = make_theme(), make_theme(large_text=True)
    assert normal.px(normal.body_px) >= 24 and normal.px(normal.small_px) >= 24
    assert large.px(large.body_px) > normal.px(normal.body_px)
    assert normal.touch_px >= 90
    assert "font-size: 34px" in large.style_sheet()
