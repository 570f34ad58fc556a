"""The after-action report as one HTML page (text only; the adapter writes the files).

No inline script and no inline style: the page links its stylesheet (``css``: the dashboard's
``static/css/after-action.css``, which the adapter writes next to the page) and its two
pictures (``images``: the map and the planned-against-actual chart, as file names or ``data:``
addresses), so that it reads the same under a strict Content-Security-Policy.
"""

from __future__ import annotations

from html import escape

from corridor.reporting.after_action_model import AfterActionReport, Table

#: A word joiner: after the hyphen of a name (``D-AND/ambulance/0``) the browser may not wrap.
JOINER = "\u2060"


def _cell(text: str) -> str:
    """A cell's text; a name of one piece with a ``/`` (a vehicle) is kept whole: a browser
    wraps after a hyphen, which would print ``D-`` above ``AND/ambulance/0``."""
    if "/" in text and not any(c.isspace() for c in text):
        return escape(text).replace("-", "-" + JOINER)
    return escape(text)


def _table(t: Table) -> str:
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in t.header)
    body = "".join(
        "<tr>" + "".join(f"<td>{_cell(c)}</td>" for c in row) + "</tr>" for row in t.rows
    )
    note = f'<p class="note">{escape(t.note)}</p>' if t.note else ""
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>" if t.rows else ""
    whole = (
        "<h3>Whole texts (cut in the table)</h3><dl>"
        + "".join(f"<dt>{escape(w)}</dt><dd>{escape(text)}</dd>" for w, text in t.whole)
        + "</dl>"
        if t.whole
        else ""
    )
    return f"<section><h2>{escape(t.title)}</h2>{table}{note}{whole}</section>"


def report_html(report: AfterActionReport, css: str, images: dict[str, str]) -> str:
    """The page; ``images`` maps ``map`` and ``chart`` to their addresses (missing: left out)."""
    figures = {
        "chart": "Planned (light bars) against reported (dark bars) per vehicle; boarding, "
        "arrival and incident marks; the window's edges in red, suspensions shaded.",
        "map": "Planned routes on their roads (blue, dashed) and reported positions (red, "
        "solid: straight lines between successive reports, not the roads driven); incidents "
        "marked.",
    }
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(report.title)}</title>",
        f'<link rel="stylesheet" href="{escape(css)}">',
        "</head><body>",
        f"<h1>{escape(report.title)}</h1>",
        f'<p class="sub">{escape(report.subtitle)}</p>',
        '<ul class="headline">'
        + "".join(f"<li>{escape(h)}</li>" for h in report.headline)
        + "</ul>",
    ]
    tables = list(report.tables)
    parts += [_table(t) for t in tables[:3]]
    for key in ("chart", "map"):
        if key in images:
            parts.append(
                f'<figure><img src="{escape(images[key])}" alt="{escape(figures[key])}">'
                f"<figcaption>{escape(figures[key])}</figcaption></figure>"
            )
    parts += [_table(t) for t in tables[3:]]
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
