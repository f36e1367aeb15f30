"""The SPARQL editor ``/sparql`` shows a person: a text box with syntax colours, the base's
prefixes a click away, and the answer as a table with the same downloads as the saved
queries' (CSV and JSON, and a permalink holding the query).

Everything is in the page: the script sends the query to the endpoint itself
(``GET /sparql?query=``, ``Accept: application/sparql-results+json``) and draws the
answer; it loads nothing from anywhere else.  Without JavaScript the form still sends
the query to the endpoint, which answers SPARQL JSON.
"""

from __future__ import annotations

import json

from positions.output.html import e
from positions.rdf.namespaces import DATA, PREFIXES

EXAMPLE = (
    "SELECT ?party ?partyLabel (COUNT(?statement) AS ?statements) WHERE {\n"
    "  ?statement a pos:Statement ; pos:onBehalfOf ?party .\n"
    "  ?party rdfs:label ?partyLabel .\n"
    "}\nGROUP BY ?party ?partyLabel\nORDER BY DESC(?statements)"
)

EXAMPLES = {
    "Statements per party": EXAMPLE,
    "Rejections and their targets": (
        "SELECT ?statement ?statementLabel ?speakerLabel ?targetLabel WHERE {\n"
        "  ?statement pos:stance stance:rejects ; rdfs:label ?statementLabel ;\n"
        "             pos:speaker/rdfs:label ?speakerLabel .\n"
        "  OPTIONAL { ?statement pos:target/rdfs:label ?targetLabel }\n}"
    ),
    "Is there a statement by Ryabkov?": "ASK { ?s pos:speaker kb:sergei-ryabkov }",
}

SCRIPT = r"""
(function () {
  var form = document.getElementById('editor'), box = form.querySelector('textarea');
  var shade = form.querySelector('pre.shade code'), out = document.getElementById('answer');
  var PREFIXES = JSON.parse(document.getElementById('prefixes').textContent);
  var DATA = document.getElementById('prefixes').dataset.base;
  var KEYWORDS = new RegExp('^(' + ['select', 'construct', 'describe', 'ask', 'where',
    'prefix', 'base', 'distinct', 'reduced', 'optional', 'filter', 'union', 'minus', 'graph',
    'service', 'bind', 'values', 'group', 'by', 'order', 'asc', 'desc', 'having', 'limit',
    'offset', 'as', 'from', 'named', 'not', 'exists', 'in', 'a', 'count', 'sum', 'min', 'max',
    'avg', 'sample', 'group_concat', 'separator', 'str', 'lang', 'datatype', 'bound', 'iri',
    'uri', 'bnode', 'coalesce', 'if', 'regex', 'contains', 'strstarts', 'lcase', 'ucase',
    'concat', 'true', 'false'].join('|') + ')$', 'i');
  var TOKENS = new RegExp([
    '(#[^\\n]*)', '("(?:[^"\\\\\\n]|\\\\.)*"|\'(?:[^\'\\\\\\n]|\\\\.)*\')',
    '(<[^<>"{}|^`\\\\\\s]*>)', '([?$][A-Za-z_0-9\\u00C0-\\uFFFF]+)',
    '([A-Za-z][\\w.-]*)?:([\\w.-]*[\\w-])?', '(\\b\\d+(?:\\.\\d+)?\\b)', '([A-Za-z_]\\w*)'
  ].join('|'), 'g');
  var esc = function (t) { return t.replace(/&/g, '&amp;').replace(/</g, '&lt;'); };
  var paint = function () {
    var text = box.value, html = '', at = 0, m;
    TOKENS.lastIndex = 0;
    while ((m = TOKENS.exec(text))) {
      html += esc(text.slice(at, m.index));
      var cls = m[1] ? 'c' : m[2] ? 's' : m[3] ? 'i' : m[4] ? 'v' : m[7] ? 'n'
        : m[8] ? (KEYWORDS.test(m[8]) ? 'k' : '') : 'p';
      html += cls ? '<span class="' + cls + '">' + esc(m[0]) + '</span>' : esc(m[0]);
      at = m.index + m[0].length;
      if (m[0] === '') TOKENS.lastIndex++;
    }
    shade.innerHTML = html + esc(text.slice(at)) + '\n';
  };
  var follow = function () { shade.parentNode.scrollTop = box.scrollTop;
    shade.parentNode.scrollLeft = box.scrollLeft; };
  box.addEventListener('input', paint); box.addEventListener('scroll', follow);
  box.addEventListener('keydown', function (ev) {
    if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); run(); }
  });
  var declared = function (p) {
    return new RegExp('^\\s*PREFIX\\s+' + p + ':', 'im').test(box.value); };
  var declare = function (p) {
    if (!declared(p)) box.value = 'PREFIX ' + p + ': <' + PREFIXES[p] + '>\n' + box.value;
  };
  form.querySelectorAll('button[data-prefix]').forEach(function (b) {
    b.addEventListener('click', function () { declare(b.dataset.prefix); paint(); box.focus(); });
  });
  form.querySelector('button.used').addEventListener('click', function () {
    var body = box.value.replace(/#[^\n]*|"(?:[^"\\]|\\.)*"|<[^>]*>/g, ' '), seen = {};
    (body.match(/\b([A-Za-z][\w-]*):/g) || []).forEach(function (w) {
      var p = w.slice(0, -1); if (PREFIXES[p] && !seen[p]) { seen[p] = 1; }
    });
    Object.keys(seen).sort().reverse().forEach(declare); paint();
  });
  var examples = form.querySelector('select.examples');
  examples.addEventListener('change', function () {
    if (examples.value) { box.value = examples.value; paint(); examples.selectedIndex = 0; }
  });
  var human = function (v) {
    var n = /Label$/.test(v) && v !== 'Label' ? v.slice(0, -5) : v;
    n = n.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/_/g, ' ').toLowerCase().trim();
    return n.charAt(0).toUpperCase() + n.slice(1);
  };
  var short = function (iri) {
    for (var p in PREFIXES) {
      if (iri.indexOf(PREFIXES[p]) === 0) return p + ':' + iri.slice(PREFIXES[p].length);
    }
    return iri;
  };
  var cell = function (term, node) {
    var td = document.createElement('td');
    if (!term) return td;
    var text = term.type === 'uri' ? short(term.value) : term.value;
    var target = node && node.type === 'uri' ? node.value
      : (term.type === 'uri' ? term.value : '');
    if (target && target.indexOf(DATA) === 0) {
      var a = document.createElement('a'); a.href = '/id/' + target.slice(DATA.length);
      a.textContent = text; td.appendChild(a);
    } else { td.textContent = text; }
    if (term.type === 'uri' && !node) td.className = 'iri';
    return td;
  };
  var csvOf = function (vars, rows) {
    var q = function (s) { return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s; };
    return [vars.join(',')].concat(rows.map(function (r) {
      return vars.map(function (v) { return q(r[v] ? r[v].value : ''); }).join(',');
    })).join('\r\n') + '\r\n';
  };
  var link = function (text, blob, name) {
    var a = document.createElement('a'); a.textContent = text; a.download = name;
    a.href = URL.createObjectURL(blob); return a;
  };
  var draw = function (answer, raw) {
    out.innerHTML = '';
    if (typeof answer.boolean === 'boolean') {
      out.innerHTML = '<p class="result">Answer: <strong>' +
        (answer.boolean ? 'yes' : 'no') + '</strong></p>';
      return;
    }
    var vars = answer.head.vars, rows = answer.results.bindings, names = {};
    vars.forEach(function (v) { names[v] = true; });
    var shown = vars.filter(function (v) { return !names[v + 'Label']; });
    var count = document.createElement('p'); count.className = 'result-count';
    count.textContent = rows.length + (rows.length === 1 ? ' row' : ' rows');
    var downloads = document.createElement('p'); downloads.className = 'downloads';
    downloads.appendChild(document.createTextNode('Download the rows: '));
    var csv = new Blob([csvOf(vars, rows)], { type: 'text/csv' });
    downloads.appendChild(link('CSV', csv, 'query.csv'));
    downloads.appendChild(document.createTextNode(' · '));
    var json = new Blob([raw], { type: 'application/sparql-results+json' });
    downloads.appendChild(link('JSON', json, 'query.json'));
    downloads.appendChild(document.createTextNode(' · '));
    var perma = document.createElement('a');
    perma.className = 'permalink'; perma.textContent = 'Permalink';
    perma.href = '/sparql#query=' + encodeURIComponent(box.value); downloads.appendChild(perma);
    var table = document.createElement('table'); table.className = 'results sortable';
    var head = table.createTHead().insertRow();
    shown.forEach(function (v) {
      var th = document.createElement('th'); th.textContent = human(v); th.title = '?' + v;
      th.dataset.var = v; head.appendChild(th);
    });
    var body = table.createTBody();
    rows.forEach(function (r) {
      var tr = body.insertRow();
      shown.forEach(function (v) {
        var node = /Label$/.test(v) && names[v.slice(0, -5)] ? r[v.slice(0, -5)] : null;
        tr.appendChild(cell(r[v], node));
      });
    });
    var wrap = document.createElement('div'); wrap.className = 'scroll'; wrap.appendChild(table);
    out.appendChild(count); out.appendChild(downloads); out.appendChild(wrap);
    if (window.positionsSortable) window.positionsSortable(table);
  };
  var run = function () {
    out.innerHTML = '<p class="muted">Running…</p>';
    var url = '/sparql?query=' + encodeURIComponent(box.value);
    history.replaceState(null, '', '#query=' + encodeURIComponent(box.value));
    fetch(url, { headers: { Accept: 'application/sparql-results+json, text/turtle;q=0.9' } })
      .then(function (r) {
        return r.text().then(function (t) {
          return { ok: r.ok, type: r.headers.get('Content-Type') || '', text: t };
        });
      })
      .then(function (r) {
        if (!r.ok) {
          out.innerHTML = ''; var p = document.createElement('p'); p.className = 'error';
          p.textContent = r.text; out.appendChild(p); return; }
        if (r.type.indexOf('json') < 0) {
          out.innerHTML = ''; var pre = document.createElement('pre');
          pre.textContent = r.text; out.appendChild(pre); return; }
        draw(JSON.parse(r.text), r.text);
      })
      .catch(function (err) { out.innerHTML = '<p class="error">The server did not answer.</p>'; });
  };
  form.addEventListener('submit', function (ev) { ev.preventDefault(); run(); });
  var hash = location.hash.match(/^#query=(.*)$/);
  if (hash) { box.value = decodeURIComponent(hash[1]); paint(); run(); } else { paint(); }
})();
"""

CSS = """
.editor { position: relative; font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas,
          monospace; border: 1px solid var(--rule); background: #fbfbfc; }
.editor textarea, .editor pre.shade { margin: 0; padding: .5rem .6rem; border: 0; width: 100%;
          font: inherit; white-space: pre; overflow: auto; tab-size: 2; }
.editor pre.shade { position: absolute; inset: 0; pointer-events: none; background: none;
                    color: var(--ink); }
.editor textarea { position: relative; display: block; min-height: 14rem; resize: vertical;
                   background: transparent; color: transparent; caret-color: #111; }
.editor textarea::selection { background: rgba(11,87,208,.25); color: transparent; }
.shade .k { color: #8e24aa; font-weight: 600; } .shade .v { color: #0b57d0; }
.shade .s { color: #1b7f3b; } .shade .i { color: #a05a00; } .shade .p { color: #b3261e; }
.shade .c { color: #6b6b6b; font-style: italic; } .shade .n { color: #00796b; }
.prefixes button { font: 12px ui-monospace, monospace; margin: .1rem; padding: .05rem .3rem; }
.editor-bar { display: flex; flex-wrap: wrap; gap: .4rem; align-items: center; margin: .4rem 0; }
"""


def editor_body(text: str = EXAMPLE) -> str:
    """The editor page's body."""
    prefixes = json.dumps(PREFIXES, sort_keys=True).replace("</", "<\\/")
    buttons = "".join(
        f'<button type="button" data-prefix="{e(p)}" title="{e(iri)}">{e(p)}:</button>'
        for p, iri in sorted(PREFIXES.items())
    )
    examples = "".join(
        f'<option value="{e(q)}">{e(title)}</option>' for title, q in EXAMPLES.items()
    )
    return (
        f"<style>{CSS}</style>\n"
        "<h1>SPARQL endpoint</h1>\n<p>Write a query and run it (Ctrl+Enter): the answer "
        "shows as a table below, with CSV and JSON downloads and a permalink. The base's "
        "prefixes (pos:, kb:, rdfs:, ...) are known without being declared; a click on one "
        "declares it in the text, for use elsewhere.</p>\n"
        '<form id="editor" method="get" action="/sparql">'
        '<div class="editor"><pre class="shade" aria-hidden="true"><code></code></pre>'
        f'<textarea name="query" rows="12" wrap="off" spellcheck="false" autocapitalize="off" '
        f'aria-label="SPARQL query">{e(text)}</textarea></div>'
        '<div class="editor-bar"><button type="submit">Run</button>'
        '<select class="examples" aria-label="Examples"><option value="">Examples…</option>'
        f"{examples}</select>"
        '<button type="button" class="used">Declare the prefixes used</button></div>'
        f'<details class="prefixes"><summary>Prefixes</summary>{buttons}</details></form>\n'
        f'<script type="application/json" id="prefixes" data-base="{e(DATA)}">'
        f"{prefixes}</script>\n"
        '<section id="answer" aria-live="polite"></section>\n'
        "<details><summary>The endpoint</summary><p>A read-only SPARQL 1.1 Protocol endpoint "
        "over the base (the union of its graphs): GET <code>/sparql?query=...</code> or POST "
        "<code>application/sparql-query</code> or a form; results as SPARQL JSON, XML, CSV or "
        "TSV, graphs as Turtle, N-Triples or JSON-LD, by <code>Accept</code>. Updates, "
        "SERVICE, FROM outside the base and LOAD are refused; queries stop at the time "
        "limit.</p></details>\n"
        f"<script>{SCRIPT}</script>\n"
    )
