"""Japanese text in matplotlib figures: a CJK font where one is installed, a warning where not.

matplotlib's default font (DejaVu Sans) has no Japanese glyphs and draws each one as an
empty box. Where a CJK font is installed, the font family becomes DejaVu Sans then that
font, so that Latin text keeps its look and Japanese falls back to the CJK font glyph by
glyph (matplotlib's font fallback, which a generic "sans-serif" family does not do).
Where none is, the figure is still drawn, and one warning says how to install a font on
this platform.
"""

from __future__ import annotations

import sys
import warnings

from lambdalab.translation import translate

# in the order they are preferred; the first two come with fonts-noto-cjk (Debian,
# Ubuntu), Hiragino with macOS, Yu Gothic and Meiryo with Windows, IPAex with TeX Live
CJK_FONTS = ("Noto Sans CJK JP", "Noto Sans JP", "Hiragino Sans", "Hiragino Kaku Gothic ProN",
             "Yu Gothic", "Meiryo", "IPAexGothic", "Noto Sans CJK SC")
INSTALL = {
    "linux": "sudo apt-get install fonts-noto-cjk (Debian, Ubuntu; WSL too), "
             "sudo dnf install google-noto-sans-cjk-fonts (Fedora)",
    "darwin": "macOS ships Hiragino Sans; if matplotlib does not see it, delete "
              "~/.matplotlib/fontlist-*.json and restart the kernel",
}


def installed_cjk_font() -> str | None:
    """The name of the first CJK font matplotlib can find here, or None."""
    from matplotlib import font_manager

    names = {font.name for font in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in names), None)


def use_cjk_font() -> str | None:
    """Let matplotlib draw Japanese from here on; the font used, or None (and a warning)."""
    import matplotlib

    found = installed_cjk_font()
    if found is None:
        how = INSTALL.get(sys.platform, INSTALL["linux"])
        warnings.warn(translate(f"no Japanese font for matplotlib: figures show Japanese as "
                                f"boxes. Install one ({how}), then restart the kernel."),
                      stacklevel=2)
        return None
    # a generic family ("sans-serif") uses its first font only: name the two, Latin first
    latin = matplotlib.rcParams["font.sans-serif"][0]
    matplotlib.rcParams["font.family"] = [latin, found]
    return found
