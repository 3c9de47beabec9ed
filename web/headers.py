"""Security headers on every response, and what a browser or proxy may keep.

The Content-Security-Policy lets a page run and load only this site's own files. bpmn-js needs one
thing beyond that: `data:` images (its stylesheet draws breadcrumb separators with them); it sets
styles through the DOM, which the policy allows. Inline scripts, inline `style` attributes and
`<style>` elements, `eval` and other hosts are refused: the pages' own behaviour is in static files
(static/page.js). tests/test_browser_security.py walks the bpmn-js pages and fails on any report.
Forms post only here, nobody frames a page, no `<base>` can move URLs.

Caching: every page of a signed-in person, every API answer and every document (PDF, .docx) is
`no-store` (shared computers, proxies). Only the two pages anyone may see (published inspection
results, the report form) may be kept briefly, by the visitor's own browser, while nobody is signed
in. Static files and bpmn-js keep the caching their views give them.
"""
from flask import Flask, Response, current_app, g, request

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",  # bpmn-js.css draws its breadcrumb separators as data: SVG
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
# Referer only to this site: Flask-WTF checks it on HTTPS posts (WTF_CSRF_SSL_STRICT), and URLs with
# matters, searches or credit codes never leave for another site.
FIXED = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
HSTS = "max-age=31536000"
PUBLIC_PAGES = {"public.results", "public.report", "public.track"}
ASSETS = {"static", "vendor"}  # blueprint or endpoint: files that are the same for everyone
PUBLIC_MAX_AGE = 60


def register(app: Flask) -> None:
    app.after_request(secure)


def secure(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)  # views may be stricter
    for name, value in FIXED.items():
        response.headers.setdefault(name, value)
    if request.is_secure or current_app.config.get("SESSION_COOKIE_SECURE"):
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if request.blueprint in ASSETS or request.endpoint in ASSETS:
        return response
    if (request.endpoint in PUBLIC_PAGES and request.method == "GET" and response.status_code == 200
            and g.get("user") is None):
        response.headers["Cache-Control"] = f"private, max-age={PUBLIC_MAX_AGE}"
    else:
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"  # HTTP/1.0 proxies
    return response
