"""The floating box of the formula views (convolution, ReLU, max pool, softmax): title, buttons, body.

The page finds the buttons by ``data-action`` (info, play, close) and the box by ``data-view``.
"""
from __future__ import annotations

from ...ui import svg
from ..detail import registry

# Small inline icons (no icon font to download): info, play, pause, close.
_ICONS = {
    "info": '<circle cx="8" cy="8" r="7"/><rect x="7.1" y="7" width="1.8" height="5" rx=".6" class="ink"/>'
            '<circle cx="8" cy="4.6" r="1.1" class="ink"/>',
    "play": '<circle cx="8" cy="8" r="7"/><path d="M6.3 4.8 11.2 8 6.3 11.2Z" class="ink"/>',
    "pause": '<circle cx="8" cy="8" r="7"/><rect x="5.3" y="4.8" width="1.9" height="6.4" class="ink"/>'
             '<rect x="8.8" y="4.8" width="1.9" height="6.4" class="ink"/>',
    "close": '<circle cx="8" cy="8" r="7"/><path d="M5.4 5.4 10.6 10.6M10.6 5.4 5.4 10.6" class="ink-line"/>',
}


PLAY_LABELS = {True: "Pause the animation", False: "Play the animation"}  # what a click does


def icon(name: str) -> str:
    return (f'<svg class="icon icon-{name}" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true">'
            f"{_ICONS[name]}</svg>")


def button(action: str, label: str, icon_name: str | None = None, **attrs) -> str:
    return (f'<button type="button" class="detail-button"{svg.attrs(data_action=action, title=label, **attrs)}'
            f' aria-label="{svg.escape(label)}">{icon(icon_name or action)}</button>')


def play_button(playing: bool) -> str:
    """Play/pause shows what a click does: pause while playing, play while paused."""
    return button("play", PLAY_LABELS[playing],
                  "pause" if playing else "play", aria_pressed="true" if playing else "false")


def box(view: str, title: str, body: str, *, layer: str, neuron: int, hint: str = "", code: str = "",
        steppable: bool = True, playing: bool = True, extra: str = "", part: str | None = None, **attrs) -> str:
    """The whole box as HTML: header (title, info, play/pause, close), the body, a hint, the code panel.

    The box carries ``data-view`` (the test hook) unless it is only a ``part`` of a view drawn elsewhere.
    """
    # The info button scrolls to the article's section about the view (hidden when the page has none).
    section = f"article-{registry.entry(view).section}"
    buttons = [button("info", "Jump to the article's section", data_section=section)]
    if steppable:
        buttons.append(play_button(playing))
    buttons.append(button("close", "Close"))
    hint_html = (f'<p class="detail-hint"><svg class="icon" viewBox="0 0 16 16" width="14" height="14" '
                 f'aria-hidden="true"><path d="M5 1v9l2.2-2 1.6 4 1.6-.7-1.6-3.9H12Z"/></svg>{hint}</p>'
                 if hint else "")
    hook = {"data_part": part} if part else {"data_view": view}
    return (f'<section class="detail-box"{svg.attrs(**hook, data_layer=layer, data_neuron=neuron, **attrs)}'
            f' role="dialog" aria-label="{svg.escape(title)}" tabindex="-1">'
            f'<header class="detail-head"><h2 class="detail-title">{title}</h2>'
            f'<div class="detail-buttons">{"".join(buttons)}</div></header>'
            f'<div class="detail-body">{body}</div>{extra}{hint_html}{code}</section>')


def svg_block(content: str, width: float, height: float, class_: str = "detail-svg", left: float = 0.0,
              **attrs) -> str:
    """An inline SVG (no XML declaration) sized in px with a matching viewBox; ``left``: the viewBox's x,
    to show one part of a drawing laid out in one coordinate system."""
    size = svg.attrs(width=float(width), height=float(height),
                     viewBox=f"{svg.num(left)} 0 {svg.num(width)} {svg.num(height)}", class_=class_, **attrs)
    return f'<svg xmlns="{svg.SVG_NS}"{size}>{content}</svg>'


BOX_PADDING = 14  # px each side of a detail box (detail.css)
BOX_MARGIN = 6  # px kept between a box and the edge of the overview


def box_style(grid_width: float, grid_height: float, anchor, width: float, height: float) -> str:
    """CSS that pins a box of about ``width`` x ``height`` px at ``anchor`` = (x, y, side, valign) of the
    overview (viewBox units), kept inside it. Percentages of the overview's own box and clamp() do the
    arithmetic in the browser, so placing a box reads no layout (a forced reflow costs tens of ms)."""
    x, y, side, valign = anchor
    px, py = x / grid_width * 100, y / grid_height * 100
    w = width + 2 * BOX_PADDING
    left = f"{px:.3f}%" if side == "left" else f"calc({px:.3f}% - {w:.0f}px)"
    shift = {"top": 0.0, "middle": height / 2, "bottom": float(height)}[valign]
    top = f"calc({py:.3f}% - {shift:.0f}px)"
    return (f"width:{w:.0f}px;left:clamp({BOX_MARGIN}px, {left}, calc(100% - {w + BOX_MARGIN:.0f}px));"
            f"top:clamp(0px, {top}, calc(100% - {height:.0f}px))")


UNIT_VIEW = "unit"  # the registry's view of what one unit looks for


def unit_address(state, layer: str, unit: int, view: str = UNIT_VIEW) -> str:
    """The address of a unit's view (or of the atlas at that unit), keeping the image and the settings."""
    return "#" + state.overview().with_(view=view, layer=layer, neuron=unit).to_url()


def looks_for(network, state, layer: str, unit: int) -> tuple[str, str] | None:
    """(address, words) of the link to what a map looks for; None for a layer whose maps are not units."""
    if not registry.entry(UNIT_VIEW).shows(network.layer(layer).type):
        return None
    return unit_address(state, layer, unit), f"What does map {unit + 1} look for?"


def looks_for_link(network, state, layer: str, unit: int) -> str:
    """That link as a detail box shows it (nothing for pooling and the output)."""
    found = looks_for(network, state, layer, unit)
    if found is None:
        return ""
    href, words = found
    return f'<p class="detail-unit-link"><a{svg.attrs(href=href, data_role="looks-for")}>{words}</a></p>'
