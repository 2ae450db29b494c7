// The automated accessibility check: axe-core (through @axe-core/playwright) on the page as it
// is now, failing on every result of impact serious or critical, listed one per element with the
// rule, the element and what to fix. Moderate and minor findings are not asserted.
//
// "Needs review" results count too: axe gives them when it cannot decide, most often a colour
// contrast whose background it cannot work out (text spilling over an edge, a gradient or an
// image behind it). A check that passed such text would vouch for a contrast nobody measured.
import { expect } from '@playwright/test';
import { AxeBuilder } from '@axe-core/playwright';

const blocking = new Set(['serious', 'critical']);

/** Serious and critical nodes of axe's `results` (violations or incomplete), one entry each. */
function describe(rules, kind) {
  return rules.flatMap((rule) =>
    rule.nodes
      // An element's own impact can be lower than the rule's worst one.
      .filter((node) => blocking.has(node.impact ?? rule.impact))
      .map((node) => {
        const where = node.target.map((t) => (Array.isArray(t) ? t.join(' >>> ') : t)).join(' ');
        const html = node.html.length > 240 ? `${node.html.slice(0, 240)}…` : node.html;
        const summary = node.failureSummary ?? [...node.any, ...node.all, ...node.none].map((c) => c.message).join('\n');
        const fix = summary.replace(/\n/g, '\n      ');
        return `${node.impact ?? rule.impact} ${rule.id}${kind}: ${rule.help}\n    on ${where}: ${html}\n      ${fix}\n      ${rule.helpUrl}`;
      }),
  );
}

/**
 * The serious and critical results on `page`, one entry per offending element: the impact, rule
 * and what it asks (`critical button-name: Buttons must have discernible text`, with "(needs
 * review)" when axe could not decide), then the element's selector and HTML, axe's summary of
 * how to fix it, and the rule's page.
 */
export async function seriousViolations(page) {
  const results = await new AxeBuilder({ page }).analyze();
  return [...describe(results.violations, ''), ...describe(results.incomplete, ' (needs review)')];
}

/**
 * Fails with the list of serious and critical results on `page`, naming the page or state
 * checked (`label`) in the message. Call it once per state worth checking: a page with its
 * errors shown, the widget in each colour scheme.
 */
export async function expectNoSeriousViolations(page, label) {
  const found = await seriousViolations(page);
  expect(found.length, `${label}: axe found ${found.length} serious or critical problem(s):\n${found.join('\n')}\n`).toBe(0);
}
