"""What the walk through the main pages checks on each page, at each width (tests/e2e/test_parcours.py).

- `debordements(page)`: the page does not scroll sideways; no table is cut by its page or by
  a box that hides its overflow; a table wider than its box scrolls inside its own box
  (`overflow-x: auto`), with a visible scrollbar; at a phone's width, every priority cell of
  a table (not marked `secondaire`) is on screen once its box is scrolled to the start.
- `violations_axe(page)`: axe-core's serious and critical WCAG 2.1 A/AA violations.
"""
from pathlib import Path

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"

_DEBORDEMENTS = r"""
async () => {
  // Two frames: the layout and the scrollbars of the width just set.
  await new Promise((fin) => requestAnimationFrame(() => requestAnimationFrame(fin)));
  const problemes = [];
  const doc = document.documentElement;
  const largeur = doc.clientWidth;
  if (doc.scrollWidth - largeur > 1) {
    // Name the outermost elements that stick out, so the message says what to fix.
    const fautifs = [...document.body.querySelectorAll('*')].filter((el) => el.getBoundingClientRect().right > largeur + 1
      && !(el.parentElement && el.parentElement.getBoundingClientRect().right > largeur + 1)).slice(0, 3)
      .map((el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : ''));
    problemes.push(`la page défile horizontalement de ${doc.scrollWidth - largeur} px (${fautifs.join(', ')})`);
  }
  const nom = (t) => (t.id ? '#' + t.id : '') + (t.className ? '.' + String(t.className).split(' ').join('.') : '')
    || (t.closest('[id]') ? 'table dans #' + t.closest('[id]').id : 'table');
  for (const table of document.querySelectorAll('main table')) {
    if (!table.checkVisibility()) continue;  // not displayed (a closed <details>, a hidden tab)
    const r = table.getBoundingClientRect();
    let boite = null;
    for (let el = table.parentElement; el && el !== document.body; el = el.parentElement) {
      const ox = getComputedStyle(el).overflowX;
      if (ox === 'auto' || ox === 'scroll') { boite = el; break; }
      if ((ox === 'hidden' || ox === 'clip') && r.right > el.getBoundingClientRect().right + 1) {
        problemes.push(`${nom(table)} : coupé par une boîte sans défilement (${r.width} px)`);
        break;
      }
    }
    if (!boite) {
      if (r.right > largeur + 1) problemes.push(`${nom(table)} : dépasse l'écran de ${Math.round(r.right - largeur)} px`);
      continue;
    }
    if (boite.scrollWidth > boite.clientWidth + 1) {
      const barre = boite.offsetHeight - boite.clientHeight
        - parseFloat(getComputedStyle(boite).borderTopWidth) - parseFloat(getComputedStyle(boite).borderBottomWidth);
      if (barre < 4) problemes.push(`${nom(table)} : défile dans sa boîte sans barre de défilement visible`);
      if (!boite.hasAttribute('tabindex')) problemes.push(`${nom(table)} : sa boîte qui défile n'est pas atteignable au clavier`);
    }
    if (largeur <= 600) {
      const gauche = boite.scrollLeft;
      boite.scrollLeft = 0;
      const b = boite.getBoundingClientRect();
      for (const cellule of table.querySelectorAll('thead th, tbody tr:first-child > *')) {
        if (!cellule.checkVisibility() || cellule.closest('.secondaire')) continue;
        const c = cellule.getBoundingClientRect();
        if (c.right > Math.min(b.right, largeur) + 1 && c.width > 0) {
          problemes.push(`${nom(table)} : colonne prioritaire hors écran (« ${cellule.textContent.trim().slice(0, 30)} »)`);
          break;
        }
      }
      boite.scrollLeft = gauche;
    }
  }
  return problemes;
}
"""


def debordements(page) -> list[str]:
    """What is cut or scrolls sideways on the page as shown now (see the module's docstring)."""
    return page.evaluate(_DEBORDEMENTS)


def violations_axe(page) -> list[str]:
    """axe-core's serious and critical violations of WCAG 2.1 A and AA on the page: one line each."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, not an inline <script>: the pages' CSP allows none.
        page.evaluate(AXE.read_text(encoding="utf-8") + ";0")
    resultats = page.evaluate(
        """() => axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
                                     resultTypes: ['violations']})"""
    )
    lignes = []
    for v in resultats["violations"]:
        if v["impact"] not in ("serious", "critical"):
            continue
        cibles = ", ".join(" ".join(n["target"]) for n in v["nodes"][:3])
        lignes.append(f"{v['id']} ({v['impact']}, {len(v['nodes'])}) : {cibles}")
    return lignes
