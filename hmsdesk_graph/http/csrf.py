"""CSRF prevention: refuse requests a browser could send cross-site without a CORS preflight.

As Apollo Router's CSRF prevention does: a request is safe when a browser must have asked
(preflight) before sending it, i.e. it carries a Content-Type other than the three a form can
send, or a custom header (``X-HMSDESK-Client``). A GET with neither, or a POST as ``text/plain``
or a form, could come from any web page the viewer visits; it is refused before any work.
"""

from __future__ import annotations

from starlette.datastructures import Headers

from hmsdesk_graph.http.media_types import essence

CLIENT_HEADER = "X-HMSDESK-Client"
# The Content-Types a browser sends without a preflight (the Fetch standard's CORS-safelisted).
SIMPLE_CONTENT_TYPES = frozenset(
    {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data"}
)
REFUSAL = (
    "This request has been blocked as a possible cross-site request forgery: send it with "
    f"Content-Type: application/json, or with a non-empty {CLIENT_HEADER} header."
)


def preflighted(headers: Headers) -> bool:
    """Whether a browser would have sent a CORS preflight before this request."""
    if headers.get(CLIENT_HEADER, "").strip():
        return True
    values = headers.getlist("content-type")
    if not values:
        return False
    # Several Content-Type headers read as one list; an unreadable value is not trusted
    # to have caused a preflight (browsers and parsers disagree on such values).
    kind = essence(", ".join(v.strip() for v in values))
    return kind is not None and kind not in SIMPLE_CONTENT_TYPES
