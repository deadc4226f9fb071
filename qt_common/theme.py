"""Colours, font sizes and the style sheet of the apps; normal, large-text and high-contrast.

Qt-free apart from `style_sheet()`'s output (a string): the colours are checked against WCAG 2.x
contrast (`contrast_ratio`), so a theme that a poorly sighted visitor cannot read fails a test.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

__all__ = ["MIN_CONTRAST", "Palette", "Theme", "contrast_ratio", "make_theme"]

#: WCAG 2.x AA for body text
MIN_CONTRAST = 4.5


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    """WCAG relative luminance of `#rrggbb`."""
    text = colour.lstrip("#")
    if len(text) != 6:
        raise ValueError(f"expected #rrggbb, got {colour!r}")
    r, g, b = (int(text[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG contrast ratio of two `#rrggbb` colours, 1.0 … 21.0."""
    a, b = relative_luminance(foreground), relative_luminance(background)
    lighter, darker = max(a, b), min(a, b)
    return (lighter + 0.05) / (darker + 0.05)


@dataclass(frozen=True)
class Palette:
    """The colours of one mode; every (text, background) pair below is checked for contrast."""

    window: str
    text: str
    muted: str  # secondary text (descriptions), still ≥ 4.5:1 on `window`
    surface: str  # buttons
    surface_text: str
    accent: str  # main action buttons
    accent_text: str
    disabled: str  # a service that cannot be taken now
    disabled_text: str
    warning: str  # banners: connection, printer
    warning_text: str
    number: str  # the big ticket number
    border: str

    def pairs(self) -> dict[str, tuple[str, str]]:
        """Named (foreground, background) pairs the apps draw text with."""
        return {
            "body text": (self.text, self.window),
            "secondary text": (self.muted, self.window),
            "button second line": (self.muted, self.surface),
            "button": (self.surface_text, self.surface),
            "main button": (self.accent_text, self.accent),
            "disabled button": (self.disabled_text, self.disabled),
            "banner": (self.warning_text, self.warning),
            "ticket number": (self.number, self.window),
        }


NORMAL = Palette(
    window="#f4f6f8",
    text="#14202b",
    muted="#3f4d5a",
    surface="#ffffff",
    surface_text="#14202b",
    accent="#0b5cad",
    accent_text="#ffffff",
    disabled="#e3e6ea",
    disabled_text="#47525e",
    warning="#8a3b00",
    warning_text="#ffffff",
    number="#0b4a8c",
    border="#9aa7b4",
)

HIGH_CONTRAST = Palette(
    window="#000000",
    text="#ffffff",
    muted="#f0f0f0",
    surface="#000000",
    surface_text="#ffff00",
    accent="#ffff00",
    accent_text="#000000",
    disabled="#1a1a1a",
    disabled_text="#d0d0d0",
    warning="#ffff00",
    warning_text="#000000",
    number="#ffff00",
    border="#ffffff",
)


@dataclass(frozen=True)
class Theme:
    """A palette and pixel font sizes; `scale` > 1 in large-text mode."""

    palette: Palette
    scale: float = 1.0
    high_contrast: bool = False
    font_family: str = "DejaVu Sans"
    body_px: int = 26  # body text ≥ 24 px on the kiosk (issue 7)
    small_px: int = 24
    button_px: int = 30
    title_px: int = 40
    number_px: int = 200
    touch_px: int = 96  # minimum height of a touch target (≥ 90 px)

    def px(self, size: int) -> int:
        """A font or target size in pixels after the large-text scale."""
        return round(size * self.scale)

    def style_sheet(self) -> str:
        """The Qt style sheet: widgets pick roles through their `role` property."""
        p = self.palette
        border = 3 if self.high_contrast else 2
        return f"""
        QWidget {{ background: {p.window}; color: {p.text};
                   font-family: "{self.font_family}"; font-size: {self.px(self.body_px)}px; }}
        QLabel[role="title"] {{ font-size: {self.px(self.title_px)}px; font-weight: bold; }}
        QLabel[role="muted"] {{ color: {p.muted}; font-size: {self.px(self.small_px)}px; }}
        QLabel[role="number"] {{ color: {p.number}; font-size: {self.px(self.number_px)}px;
                                 font-weight: bold; }}
        QLabel[role="banner"] {{ background: {p.warning}; color: {p.warning_text};
                                 font-size: {self.px(self.body_px)}px; font-weight: bold;
                                 padding: 12px; }}
        QLabel[role="tile"] {{ background: transparent; color: {p.surface_text};
                               font-size: {self.px(self.button_px)}px; font-weight: bold; }}
        QLabel[role="tile-sub"] {{ background: transparent; color: {p.muted};
                                   font-size: {self.px(self.small_px)}px; }}
        QLabel[role="tile"]:disabled, QLabel[role="tile-sub"]:disabled {{
                                   color: {p.disabled_text}; }}
        QPushButton {{ background: {p.surface}; color: {p.surface_text};
                       border: {border}px solid {p.border}; border-radius: 12px;
                       font-size: {self.px(self.button_px)}px; padding: 12px 20px;
                       min-height: {self.touch_px}px; text-align: left; }}
        QPushButton[role="main"] {{ background: {p.accent}; color: {p.accent_text};
                                   border-color: {p.accent}; font-weight: bold; }}
        QPushButton[role="small"] {{ font-size: {self.px(self.body_px)}px; min-width: 120px;
                                    text-align: center; }}
        QPushButton[role="key"] {{ font-size: {self.px(self.title_px)}px; text-align: center; }}
        QPushButton:disabled {{ background: {p.disabled}; color: {p.disabled_text};
                                border-style: dashed; }}
        QPushButton:pressed {{ background: {p.accent}; color: {p.accent_text}; }}
        QLineEdit {{ background: {p.surface}; color: {p.surface_text};
                     border: {border}px solid {p.border}; font-size: {self.px(self.title_px)}px;
                     min-height: {self.touch_px}px; padding: 0 16px; }}
        """


def make_theme(large_text: bool = False, high_contrast: bool = False) -> Theme:
    """The theme for the visitor's chosen modes."""
    theme = Theme(palette=HIGH_CONTRAST if high_contrast else NORMAL, high_contrast=high_contrast)
    if large_text:
        theme = replace(theme, scale=1.3)
    return theme
