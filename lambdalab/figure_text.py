"""A figure's words in the notebook's language, drawn with a font that has their glyphs.

The plots are drawn in English (their code reads records, not languages); in a Japanese
notebook each text of the finished figure (title, labels, legend, notes) is looked up in
the language's catalogue (:mod:`lambdalab.translation`) and, once translated, drawn with
the CJK font :mod:`lambdalab.cjk_font` finds, or left as drawn when none is installed
(with one warning; notebook 00's room check says how to install one), so that no text turns
into boxes.
"""

from __future__ import annotations

from typing import Any, TypeVar

from lambdalab.translation import ENGLISH, language, translate

Figure = TypeVar("Figure")


def in_notebook_language(figure: Figure) -> Figure:
    """``figure`` with its texts translated (in place); English notebooks: unchanged."""
    chosen = language()
    if chosen == ENGLISH:
        return figure
    from matplotlib.text import Text

    from lambdalab.cjk_font import use_cjk_font

    font = use_cjk_font()
    if font is None:
        return figure
    texts: Any = figure.findobj(Text)  # type: ignore[attr-defined]
    for text in texts:
        shown = translate(text.get_text(), chosen)
        if shown != text.get_text():
            text.set_text(shown)
            text.set_fontfamily([text.get_fontfamily()[0], font])
    return figure
