"""The figures to play with (93_playground) work on a page without a kernel: their stored `text/html` output, on a page
that loads plotly.js from a local file, answers every slider (the plotted data changes), makes no request to another
host, raises no JavaScript error, and keeps a static picture for print. A dead slider (the listener removed) fails the
same check, so the check has teeth. Needs Playwright and Chromium (the site venv) and a plotly.min.js (the plotly
package of any venv, or $PLOTLY_JS); skipped without them."""
import base64, glob, importlib.util, json, os, re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get('CHROMIUM', '/usr/bin/chromium')


def plotly_js():
    "A plotly.min.js on this machine: $PLOTLY_JS, this venv's plotly, or the plotly of one of the CI venvs."
    if os.environ.get('PLOTLY_JS'): return Path(os.environ['PLOTLY_JS'])
    spec = importlib.util.find_spec('plotly')
    found = ([Path(spec.origin).parent/'package_data'/'plotly.min.js'] if spec else []) + [Path(p) for p in sorted(glob.glob(
        os.path.expanduser('~/.cache/mnist37-ci/*/lib/python3*/site-packages/plotly/package_data/plotly.min.js')))]
    return next((p for p in found if p.is_file()), None)


pytestmark = pytest.mark.skipif(importlib.util.find_spec('playwright') is None or not Path(CHROMIUM).exists()
                                or plotly_js() is None, reason='needs Playwright, Chromium and a plotly.min.js')

# (notebook, cell id): the toy of 93_playground (one slider) and the 2-D momentum figure of 07a_theory (two sliders)
FIGURES = [('93_playground.ipynb', 'pg-toy'), ('07a_theory.ipynb', 'th-play-2d')]


def stored_html(nb: str, cell_id: str) -> str:
    cell = next(c for c in json.loads((ROOT/'nbs'/nb).read_text())['cells'] if c.get('id') == cell_id)
    html = next((o['data']['text/html'] for o in cell['outputs'] if 'text/html' in o.get('data', {})), None)
    assert html is not None, f"{nb}, cell {cell_id}: no stored text/html output; run the notebook with --save"
    return ''.join(html)


def slider_moves(tmp_path: Path, html: str) -> list:
    "For each slider, clicked at 90% then 10% of its rail: whether the plotted data changed. Fails on page errors and requests off the page."
    (tmp_path/'plotly.min.js').write_bytes(plotly_js().read_bytes())
    page = tmp_path/'page.html'
    page.write_text('<!DOCTYPE html><html><head><meta charset="utf-8"><script src="plotly.min.js"></script></head>'
                    f'<body>{html}</body></html>')
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking'])
        try:
            pg = b.new_page(viewport={'width': 1300, 'height': 900}); errors, requests = [], []
            pg.on('pageerror', lambda e: errors.append(str(e))); pg.on('request', lambda r: requests.append(r.url))
            pg.goto(page.as_uri()); pg.wait_for_selector('.slider-rail-rect', timeout=30000)
            data = lambda: pg.evaluate("() => JSON.stringify(document.querySelector('.plotly-graph-div').data.map(t => [t.x, t.y]))")
            moved = []
            for rail in pg.query_selector_all('.slider-rail-rect'):
                bb = rail.bounding_box()
                for frac in (0.9, 0.1):
                    before = data(); pg.mouse.click(bb['x'] + frac*bb['width'], bb['y'] + bb['height']/2); pg.wait_for_timeout(200)
                    moved.append(data() != before)
        finally: b.close()
    assert not errors, errors
    assert all(u.startswith('file://') for u in requests), [u for u in requests if not u.startswith('file://')]
    return moved


@pytest.mark.parametrize('nb,cell_id', FIGURES)
def test_every_slider_changes_the_figure(tmp_path, nb, cell_id):
    html = stored_html(nb, cell_id)
    assert html.startswith('<div class="mnist37-play">') and 'cdn.plot.ly' not in html and '<script src' not in html
    png = re.search(r'<img class="mnist37-print" alt="[^"]*" src="data:image/png;base64,([^"]+)">', html)
    assert png and base64.b64decode(png.group(1)).startswith(b'\x89PNG')
    moved = slider_moves(tmp_path, html)
    assert moved and all(moved), moved


def test_a_dead_slider_fails_the_check(tmp_path):
    html = stored_html(*FIGURES[0]).replace("gd.on('plotly_sliderchange'", "gd.on('plotly_nothing'")
    assert not any(slider_moves(tmp_path, html))
