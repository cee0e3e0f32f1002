"""An evaluation run as one self-contained HTML page a clinician can read.

Headline figures (with the change from a baseline run), a chart, then the failures (question,
expected, got, the articles retrieved, the reply), the questions that got worse, and the rest.
Everything is inline: the chart is a PNG data URI, the styles sit in the page.
"""

import base64
import io
from html import escape
from pathlib import Path

from .evaluate import HEADLINE, LOWER_IS_BETTER, compare, figure, share

LABELS = {
    "retrieval.hit@1": ("Right article first", "share of answerable questions"),
    "retrieval.hit@3": ("Right article in top 3", ""),
    "retrieval.hit@5": ("Right article in top 5", ""),
    "retrieval.mrr": ("Mean reciprocal rank", "1 = always first"),
    "behaviour.emergency_recall": ("Emergencies recognised", "of emergency questions"),
    "behaviour.false_emergency": ("False emergencies", "lower is better"),
    "behaviour.decline_recall": ("Declined when it should", "of questions to decline"),
    "behaviour.false_decline": ("Answerable but declined", "lower is better"),
    "behaviour.guard_false_decline": ("…declined by the safety guard", "lower is better"),
    "answers.disclaimer_rate": ("Correct disclaimer", "of all replies"),
    "answers.citation_validity": ("Valid citations", "of answers"),
    "answers.must_include_recall": ("Key terms in the answer", "of expected terms"),
    "latency_ms.p50": ("Reply time, median", "milliseconds"),
    "latency_ms.p95": ("Reply time, 95th percentile", "milliseconds"),
}

CSS = """
body { font: 16px/1.5 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: #1d2530; max-width: 1100px; margin: 2em auto; padding: 0 1.2em; background: #fff; }
h1 { font-size: 1.7em; margin-bottom: .1em; }
h2 { margin-top: 2em; border-bottom: 2px solid #e3e8ef; padding-bottom: .2em; }
.sub { color: #5a6675; margin-top: 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: .8em; }
.card { border: 1px solid #e3e8ef; border-radius: 8px; padding: .7em .9em; background: #fafbfc; }
.card .v { font-size: 1.6em; font-weight: 600; } .card .l { font-weight: 600; }
.card .h { color: #5a6675; font-size: .85em; }
.good { color: #1a7f37; } .bad { color: #c62828; } .muted { color: #5a6675; }
table { border-collapse: collapse; width: 100%; font-size: .92em; margin: .6em 0; }
th, td { text-align: left; padding: .35em .5em; border-bottom: 1px solid #e3e8ef;
  vertical-align: top; } th { background: #f3f5f8; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
.item { border: 1px solid #e3e8ef; border-left: 5px solid #c62828; border-radius: 6px;
  padding: .6em 1em; margin: .8em 0; } .item.worse { border-left-color: #e68a00; }
.item h3 { font-size: 1em; margin: 0 0 .3em; } .item .q { font-size: 1.05em; }
.item dl { display: grid; grid-template-columns: 9em 1fr; gap: .15em .8em; margin: .4em 0; }
.item dt { color: #5a6675; } .item dd { margin: 0; }
.reply { white-space: pre-wrap; background: #f6f8fa; border-radius: 4px; padding: .5em .7em;
  font-size: .92em; margin: .3em 0 0; max-height: 14em; overflow: auto; }
.tag { display: inline-block; border-radius: 10px; padding: 0 .55em; font-size: .85em;
  background: #eef1f5; } .tag.ok { background: #dff3e4; } .tag.fail { background: #fde2e1; }
.history { color: #5a6675; font-size: .9em; } img.chart { max-width: 100%; }
"""


def write_report(path: Path, result: dict, baseline: dict | None = None, title: str = "") -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(result, baseline, title), encoding="utf-8")


def render(result: dict, baseline: dict | None = None, title: str = "") -> str:
    comparison = compare(baseline, result) if baseline else None
    items = result["items"]
    failures = [i for i in items if not i["ok"]]
    worse = comparison["worse"] if comparison else []
    worse_ids = {w["id"] for w in worse}
    passed = [i for i in items if i["ok"]]
    ok_share = share([i["ok"] for i in items])
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>Evaluation: {escape(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>Assistant evaluation{': ' + escape(title) if title else ''}</h1>",
        f"<p class='sub'>{result['count']} questions; {len(failures)} failed "
        f"({_pct(1 - ok_share) if ok_share is not None else '-'})"
        f"{'; compared with a baseline run' if baseline else ''}. "
        f"{escape(str(result.get('meta', {}).get('finished', '')))}</p>",
        "<h2>Headline figures</h2>",
        _cards(result, comparison),
        _declines(result),
        f"<img class='chart' alt='Chart of the headline figures' src='{_chart(result, baseline)}'>",
        f"<h2>Failures ({len(failures)})</h2>",
        "<p class='muted'>A question fails when the reply is of the wrong kind (answer, decline, "
        "emergency), or when the right article is not among the first five retrieved.</p>",
        "".join(_item(i, "worse" if i["id"] in worse_ids else "") for i in failures)
        or "<p>None.</p>",
    ]
    if comparison is not None:
        parts += [
            f"<h2>Got worse since the baseline ({len(worse)})</h2>",
            "".join(_item(w["after"], "worse", why=w["why"], before=w["before"]) for w in worse)
            or "<p>None.</p>",
        ]
    parts += [
        _groups(result),
        f"<h2>Passed ({len(passed)})</h2>",
        _passed_table(passed),
        "<h2>By article</h2>",
        _articles(result),
        "<p class='muted'>Generated by <code>python -m assistant eval</code>.</p></body></html>",
    ]
    return "\n".join(parts)


def _value(key: str, value) -> str:
    if value is None:
        return "–"
    if key.startswith("latency"):
        return f"{value:.0f} ms"
    return f"{value:.3f}" if key.endswith("mrr") else _pct(value)


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _delta(key: str, delta) -> str:
    if delta is None:
        return ""
    if abs(delta) < 1e-9:
        return "<span class='muted'>no change</span>"
    better = (delta < 0) if key in LOWER_IS_BETTER else (delta > 0)
    if key.startswith("latency"):
        text = f"{delta:+.0f} ms"
    else:
        text = f"{delta:+.3f}" if key.endswith("mrr") else f"{100 * delta:+.1f} pts"
    return f"<span class='{'good' if better else 'bad'}'>{text}</span>"


def _cards(result: dict, comparison: dict | None) -> str:
    cards = []
    for key in HEADLINE:
        label, hint = LABELS[key]
        value = figure(result, key)
        delta = _delta(key, comparison["deltas"][key]) if comparison else ""
        cards.append(
            f"<div class='card'><div class='l'>{escape(label)}</div>"
            f"<div class='v'>{_value(key, value)}</div>"
            f"<div class='h'>{escape(hint)} {delta}</div></div>"
        )
    return f"<div class='cards'>{''.join(cards)}</div>"


def _declines(result: dict) -> str:
    reasons = result["behaviour"]["declines_by_reason"]
    if not reasons:
        return ""
    text = ", ".join(f"{escape(r)}: {n}" for r, n in reasons.items())
    return f"<p><b>Declines by reason</b>: {text}.</p>"


def _chart(result: dict, baseline: dict | None) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = [k for k in HEADLINE if not k.startswith("latency")]
    labels = [LABELS[k][0] for k in keys]
    values = [figure(result, k) for k in keys]
    fig, ax = plt.subplots(figsize=(9, 0.42 * len(keys) + 0.8), dpi=110)
    y = list(range(len(keys)))[::-1]
    colours = [
        "#9aa5b1" if v is None else ("#d9822b" if k in LOWER_IS_BETTER else "#2f6fb0")
        for k, v in zip(keys, values, strict=True)
    ]
    ax.barh(y, [v or 0 for v in values], color=colours, height=0.6, label="this run")
    if baseline:
        old = [figure(baseline, k) for k in keys]
        ax.scatter(
            [v for v in old if v is not None],
            [yy for yy, v in zip(y, old, strict=True) if v is not None],
            marker="|",
            s=300,
            color="#1d2530",
            zorder=3,
            label="baseline",
        )
        ax.legend(loc="lower right", fontsize=8)
    for yy, v in zip(y, values, strict=True):
        text = "n/a" if v is None else _value(keys[len(keys) - 1 - yy], v)
        ax.text((v or 0) + 0.01, yy, text, va="center", fontsize=8)
    ax.set_yticks(y, labels, fontsize=9)
    ax.set_xlim(0, 1.1)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0], ["0%", "25%", "50%", "75%", "100%"], fontsize=8)
    ax.set_title("Headline figures (orange: lower is better)", fontsize=10)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _groups(result: dict) -> str:
    rows = []
    for name, g in result["by_group"].items():
        members = [i for i in result["items"] if i["group"] == name]
        b, r = g["behaviour"], g["retrieval"]
        rows.append(
            f"<tr><td>{escape(name)}</td><td class='n'>{g['count']}</td>"
            f"<td class='n'>{_value('', share([i['ok'] for i in members]))}</td>"
            f"<td class='n'>{_value('', r['hit@1'])}</td>"
            f"<td class='n'>{_value('', r['hit@5'])}</td>"
            f"<td class='n'>{_value('', b['emergency_recall'])}</td>"
            f"<td class='n'>{_value('', b['decline_recall'])}</td>"
            f"<td class='n'>{_value('', b['false_decline'])}</td></tr>"
        )
    return (
        "<h2>By group</h2><table><tr><th>group</th><th class='n'>questions</th>"
        "<th class='n'>passed</th><th class='n'>article first</th><th class='n'>in top 5</th>"
        "<th class='n'>emergencies recognised</th><th class='n'>declined when it should</th>"
        "<th class='n'>answerable but declined</th></tr>" + "".join(rows) + "</table>"
    )


def _kind(kind: str, reason: str | None) -> str:
    return escape(kind + (f" ({reason})" if reason else ""))


def _sources(item: dict) -> str:
    if not item["sources"]:
        return "<span class='muted'>none (the guard replied before retrieval)</span>"
    gold = set(item["gold_sources"])
    out = []
    for n, s in enumerate(item["sources"][:5], start=1):
        text = f"{n}. {escape(s)}"
        out.append(f"<b class='good'>{text}</b>" if s in gold else text)
    more = len(item["sources"]) - 5
    return ", ".join(out) + (f" <span class='muted'>(+{more} more)</span>" if more > 0 else "")


def _item(item: dict, css: str = "", why: str | None = None, before: dict | None = None) -> str:
    expected = _kind(item["expect"], item.get("expect_reason"))
    if item["gold_sources"]:
        expected += " from " + ", ".join(f"<b>{escape(s)}</b>" for s in item["gold_sources"])
    got = _kind(item["kind"], item["reason"])
    if item["gold_sources"]:
        got += (
            f"; right article at rank {item['rank']}"
            if item["rank"]
            else "; right article not retrieved"
        )
    rows = [
        ("Expected", expected),
        ("Got", got),
        ("Articles retrieved", _sources(item)),
    ]
    if why:
        rows.insert(0, ("Got worse", escape(why)))
    if before is not None:
        rows.append(
            ("Before", _kind(before["kind"], before["reason"]) + f", rank {before['rank']}")
        )
    if item.get("must_include_missing"):
        rows.append(("Missing terms", escape(", ".join(item["must_include_missing"]))))
    history = ""
    if item.get("history"):
        turns = " / ".join(
            f"{escape(str(m.get('role')))}: {escape(str(m.get('content')))}"
            for m in item["history"]
            if isinstance(m, dict)
        )
        history = f"<div class='history'>Earlier in the conversation: {turns}</div>"
    dl = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows)
    return (
        f"<div class='item {css}'><h3>{escape(item['id'])} "
        f"<span class='tag'>{escape(item['group'])}</span></h3>{history}"
        f"<div class='q'>“{escape(item['question'])}”</div><dl>{dl}</dl>"
        f"<details open><summary>Reply</summary><div class='reply'>{escape(item['text'])}</div>"
        f"</details></div>"
    )


def _passed_table(items: list[dict]) -> str:
    if not items:
        return "<p>None.</p>"
    rows = []
    for i in items:
        notes = []
        if i.get("must_include_missing"):
            notes.append("missing: " + ", ".join(i["must_include_missing"]))
        if i.get("citations_valid") is False:
            notes.append("citations invalid")
        if i.get("expect_reason") and i["kind"] == "decline" and i["reason"] != i["expect_reason"]:
            notes.append(f"reason {i['reason']}, expected {i['expect_reason']}")
        rows.append(
            f"<tr><td>{escape(i['id'])}</td><td>{escape(i['question'])}</td>"
            f"<td>{_kind(i['kind'], i['reason'])}</td><td class='n'>{i['rank'] or ''}</td>"
            f"<td>{escape(i['sources'][0]) if i['sources'] else ''}</td>"
            f"<td class='muted'>{escape('; '.join(notes))}</td></tr>"
        )
    return (
        "<details open><summary>All questions that passed</summary><table><tr><th>id</th>"
        "<th>question</th><th>reply</th><th class='n'>rank</th><th>first article</th>"
        "<th>notes</th></tr>" + "".join(rows) + "</table></details>"
    )


def _articles(result: dict) -> str:
    rows = "".join(
        f"<tr><td>{escape(source)}</td><td class='n'>{a['questions']}</td>"
        f"<td class='n'>{_value('', a['hit@1'])}</td></tr>"
        for source, a in result["by_article"].items()
    )
    return (
        "<table><tr><th>article</th><th class='n'>questions</th>"
        "<th class='n'>retrieved first</th></tr>" + rows + "</table>"
    )
