"""Letter HTML made safe to show: nh3 (ammonia) keeps formatting and drops everything active.

A letter's HTML is hostile until proven otherwise. What survives :func:`clean`: formatting tags
(paragraphs, lists, tables, fonts, images), links to ``http(s)``, ``mailto`` and ``tel`` (opened in
a new tab, without referrer), and inline ``style`` declarations of a short list of layout and
colour properties. What goes: scripts and their content, event handlers, ``javascript:`` and
relative URLs, forms and their fields, frames, objects, ``<style>`` and ``<link>`` elements, and
any declaration that could fetch something (``url()``, ``image-set()``, ``@import``, CSS escapes).

Images: ``cid:`` references to the letter's own inline parts become ``data:`` URIs; remote
(``http(s)``) images become a transparent pixel unless the reader asked for them
(``remote_images=True``), and are counted so that the page can offer to show them. The page
that serves the result adds a CSP that blocks whatever slipped through (see
:mod:`letterpress.web.mail.letter_routes`).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from dataclasses import dataclass

import nh3

TAGS: frozenset[str] = frozenset({
    "a", "abbr", "address", "b", "bdi", "bdo", "big", "blockquote", "br", "caption", "center",
    "cite", "code", "col", "colgroup", "dd", "del", "dfn", "div", "dl", "dt", "em", "font",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p",
    "pre", "q", "s", "samp", "small", "span", "strike", "strong", "sub", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "tr", "tt", "u", "ul", "var", "wbr",
})

# Removed together with their content (the rest of the unknown tags keep their text).
DROPPED_WITH_CONTENT: frozenset[str] = frozenset({
    "script", "style", "title", "head", "iframe", "frame", "frameset", "object", "embed",
    "applet", "noscript", "noembed", "noframes", "template", "svg", "math", "select",
    "textarea", "button", "audio", "video", "canvas", "link", "meta", "base",
})

_CELL = {"align", "valign", "width", "height", "bgcolor", "colspan", "rowspan", "nowrap"}
ATTRIBUTES: dict[str, set[str]] = {
    "*": {"style", "title", "align", "dir", "lang"},
    "a": {"href", "name"},
    "img": {"src", "alt", "width", "height", "border", "hspace", "vspace"},
    "font": {"color", "face", "size"},
    "table": {"width", "border", "cellpadding", "cellspacing", "bgcolor", "height"},
    "td": set(_CELL), "th": set(_CELL), "tr": {"valign", "bgcolor", "height"},
    "col": {"span", "width"}, "colgroup": {"span", "width"},
    "ol": {"start", "type"}, "ul": {"type"}, "li": {"value"},
    "blockquote": {"cite"}, "q": {"cite"}, "del": {"cite"}, "ins": {"cite"},
}

STYLE_PROPERTIES: frozenset[str] = frozenset({
    "color", "background-color", "font", "font-family", "font-size", "font-style",
    "font-weight", "font-variant", "text-align", "text-decoration", "text-indent",
    "text-transform", "line-height", "letter-spacing", "word-spacing", "white-space",
    "vertical-align", "direction", "margin", "margin-top", "margin-right", "margin-bottom",
    "margin-left", "padding", "padding-top", "padding-right", "padding-bottom", "padding-left",
    "border", "border-top", "border-right", "border-bottom", "border-left", "border-color",
    "border-style", "border-width", "border-collapse", "border-spacing", "border-radius",
    "width", "max-width", "min-width", "height", "max-height", "min-height", "display",
    "list-style-type", "table-layout", "caption-side", "empty-cells", "float", "clear",
})

LINK_SCHEMES = ("http:", "https:", "mailto:", "tel:")
BLANK_IMAGE = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"
INLINE_IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp",
                                "image/bmp"})
MAX_INLINE_IMAGE_BYTES = 5 * 1024 * 1024

# Anything in a declaration that could make the browser fetch or evaluate something; CSS
# escapes are refused outright rather than decoded, since they are how filters get fooled.
_ACTIVE_CSS = re.compile(r"url\s*\(|image-set|image\s*\(|expression|@import|behavior|binding"
                         r"|javascript:|\\", re.IGNORECASE)
_SCHEME = re.compile(r"^\s*([a-zA-Z][a-zA-Z0-9+.-]*):")


@dataclass(frozen=True)
class InlineImage:
    content_type: str
    data: bytes

    def data_uri(self) -> str:
        return f"data:{self.content_type};base64,{base64.b64encode(self.data).decode('ascii')}"


@dataclass(frozen=True)
class Cleaned:
    html: str
    remote_images: int  # remote images dropped (0 when they were allowed)


def safe_style(value: str) -> str | None:
    """Keep the declarations of an inline style that fetch nothing; None when none is left."""
    kept = [decl.strip() for decl in value.split(";")
            if decl.strip() and not _ACTIVE_CSS.search(decl)]
    return "; ".join(kept) or None


def _scheme(url: str) -> str | None:
    found = _SCHEME.match(url)
    return found.group(1).lower() + ":" if found else None


def clean(html: str, *, inline: Mapping[str, InlineImage] | None = None,
          remote_images: bool = False) -> Cleaned:
    """Sanitise a letter's HTML; ``inline`` maps Content-IDs (without ``<>``) to images."""
    inline = inline or {}
    dropped = 0

    def attribute(tag: str, name: str, value: str) -> str | None:
        nonlocal dropped
        if name == "style":
            return safe_style(value)
        if tag == "a" and name == "href":
            return value if _scheme(value) in LINK_SCHEMES else None
        if tag == "img" and name == "src":
            scheme = _scheme(value)
            if scheme == "cid:":
                image = inline.get(value.strip()[4:].strip("<>"))
                return image.data_uri() if image is not None else None
            if scheme in ("http:", "https:") or value.lstrip().startswith("//"):
                if remote_images and scheme == "https:":
                    return value
                dropped += 1
                return BLANK_IMAGE  # keeps the layout, shows neither a broken icon nor alt text
            return None  # data:, relative and everything else
        if name in ("cite",):
            return value if _scheme(value) in ("http:", "https:") else None
        return value

    result = nh3.clean(
        html,
        tags=set(TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        attribute_filter=attribute,
        url_schemes={"http", "https", "mailto", "tel", "cid"},
        link_rel="noopener noreferrer",
        set_tag_attribute_values={"a": {"target": "_blank"}},
        filter_style_properties=set(STYLE_PROPERTIES),
        strip_comments=True,
    )
    return Cleaned(html=result, remote_images=0 if remote_images else dropped)


def inline_images(parts: Mapping[str, tuple[str, bytes]]) -> dict[str, InlineImage]:
    """The inline parts a letter's HTML may show: raster images of a reasonable size."""
    return {cid: InlineImage(ctype, data) for cid, (ctype, data) in parts.items()
            if ctype.lower() in INLINE_IMAGE_TYPES and len(data) <= MAX_INLINE_IMAGE_BYTES}
