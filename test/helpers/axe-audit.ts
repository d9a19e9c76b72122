/**
 * axe-core audits of the popover in real Chromium, under the popover's own CSP.
 *
 * axe is never part of the popover's bundle: the bridge serves axe.min.js from the popover's own
 * origin (test/helpers/test-bridge.ts, AXE_PATH) and `page.addScriptTag({ url })` adds a
 * `<script src>` for it, which `script-src 'self'` allows as it is. Nothing loosens the policy:
 * `expectCspIntact` proves it in the test (the meta tag is the built one, no header was added,
 * an inline script is still refused).
 *
 * An audit covers both themes and the whole scroll height: every scrollable area (the panel,
 * and any scrolling box inside it) is scrolled through in steps of most of its height, axe runs
 * at each step, and the findings are merged (an element counts once per rule).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { Page } from 'playwright-core';
import type { Bridge } from './test-bridge.js';

/** WCAG 2.0 and 2.1, levels A and AA, and axe's best practices. */
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];

export type Theme = 'light' | 'dark';

export interface Finding {
  rule: string;
  impact: string | null;
  /** The CSS selector of each element, once. */
  targets: string[];
  /** axe's summary for the first element (the contrast ratio and colours for color-contrast). */
  example: string;
}

export interface ThemeAudit {
  violations: Finding[];
  /** color-contrast results axe could not decide at any scroll position (needs review). */
  undecidedContrast: string[];
  /** How many axe runs the scroll-through took. */
  runs: number;
}

export type Audit = Record<Theme, ThemeAudit>;

interface AxeNode {
  target: unknown[];
  failureSummary?: string;
  any: Array<{ message: string }>;
}
interface AxeRule {
  id: string;
  impact: string | null;
  nodes: AxeNode[];
}
interface AxeResults {
  violations: AxeRule[];
  incomplete: AxeRule[];
  passes: AxeRule[];
}

/** Adds axe to the page (once per document) as a same-origin `<script src>`. */
export async function injectAxe(page: Page, b: Bridge): Promise<void> {
  const present = await page.evaluate(() => typeof (globalThis as { axe?: unknown }).axe === 'object');
  if (!present) await page.addScriptTag({ url: b.axeUrl });
  expect(await page.evaluate(() => typeof (globalThis as { axe?: { run?: unknown } }).axe?.run)).toBe('function');
}

const key = (node: AxeNode): string => node.target.map(String).join(' ');

/** One axe run over the whole document in the current scroll state. */
function runAxe(page: Page): Promise<AxeResults> {
  return page.evaluate(async (tags) => {
    const axe = (globalThis as unknown as { axe: { run(context: unknown, options: unknown): Promise<AxeResults> } }).axe;
    const results = await axe.run((globalThis as unknown as { document: unknown }).document, {
      runOnly: { type: 'tag', values: tags },
      resultTypes: ['violations', 'incomplete'],
    });
    const slim = (rules: AxeRule[]): AxeRule[] =>
      rules.map((r) => ({
        id: r.id,
        impact: r.impact,
        nodes: r.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary, any: n.any.map((c) => ({ message: c.message })) })),
      }));
    // Passing color-contrast elements, so that an element undecided at one scroll position
    // (partly outside the panel) and decided at another is not reported.
    return {
      violations: slim(results.violations),
      incomplete: slim(results.incomplete),
      passes: slim(results.passes.filter((r) => r.id === 'color-contrast')),
    };
  }, AXE_TAGS);
}

interface ScrollBox {
  index: number;
  steps: number[];
}

/** Every scrollable box on the page, with the scroll positions that show all of its content. */
function scrollPlan(page: Page): Promise<ScrollBox[]> {
  return page.evaluate(() => {
    const { document, getComputedStyle } = globalThis as unknown as {
      document: { querySelectorAll(s: string): ArrayLike<{ scrollHeight: number; clientHeight: number; setAttribute(n: string, v: string): void }> };
      getComputedStyle(e: unknown): { overflowY: string };
    };
    const boxes: Array<{ index: number; steps: number[] }> = [];
    const all = document.querySelectorAll('body *');
    for (let i = 0; i < all.length; i++) {
      const el = all[i]!;
      const overflow = getComputedStyle(el).overflowY;
      if (el.scrollHeight <= el.clientHeight + 1 || !['auto', 'scroll'].includes(overflow)) continue;
      el.setAttribute('data-audit-scroll', String(boxes.length));
      const max = el.scrollHeight - el.clientHeight;
      const stride = Math.max(20, Math.floor(el.clientHeight * 0.75));
      const steps: number[] = [];
      for (let y = stride; y < max; y += stride) steps.push(y);
      steps.push(max);
      boxes.push({ index: boxes.length, steps });
    }
    return boxes;
  });
}

async function scrollBox(page: Page, index: number, top: number): Promise<void> {
  await page.evaluate(
    ([i, y]) => {
      const { document } = globalThis as unknown as {
        document: { querySelector(s: string): { scrollTop: number; scrollIntoView(o: unknown): void } | null };
      };
      const el = document.querySelector(`[data-audit-scroll="${i}"]`);
      if (!el) return;
      el.scrollIntoView({ block: 'nearest' });
      el.scrollTop = y;
    },
    [index, top] as const,
  );
}

async function clearScrollMarks(page: Page): Promise<void> {
  await page.evaluate(() => {
    const { document } = globalThis as unknown as {
      document: { querySelectorAll(s: string): ArrayLike<{ removeAttribute(n: string): void; scrollTop: number }> };
    };
    const marked = document.querySelectorAll('[data-audit-scroll]');
    for (let i = 0; i < marked.length; i++) {
      marked[i]!.scrollTop = 0;
      marked[i]!.removeAttribute('data-audit-scroll');
    }
  });
}

/** The audit of one theme: axe at the top, then at every step of every scrollable box. */
async function auditTheme(page: Page): Promise<ThemeAudit> {
  const violations = new Map<string, { rule: AxeRule; targets: Map<string, AxeNode> }>();
  const undecided = new Map<string, string>();
  const decided = new Set<string>();
  let runs = 0;
  const collect = (results: AxeResults): void => {
    runs++;
    for (const rule of results.violations) {
      const entry = violations.get(rule.id) ?? { rule, targets: new Map<string, AxeNode>() };
      for (const node of rule.nodes) if (!entry.targets.has(key(node))) entry.targets.set(key(node), node);
      violations.set(rule.id, entry);
      if (rule.id === 'color-contrast') for (const node of rule.nodes) decided.add(key(node));
    }
    for (const rule of results.passes) for (const node of rule.nodes) decided.add(key(node));
    for (const rule of results.incomplete.filter((r) => r.id === 'color-contrast')) {
      for (const node of rule.nodes) undecided.set(key(node), node.any[0]?.message ?? '');
    }
  };

  await clearScrollMarks(page);
  collect(await runAxe(page));
  const boxes = await scrollPlan(page);
  for (const box of boxes) {
    for (const top of box.steps) {
      await scrollBox(page, box.index, top);
      collect(await runAxe(page));
    }
    await scrollBox(page, box.index, 0);
  }
  await clearScrollMarks(page);

  return {
    violations: [...violations.values()].map(({ rule, targets }) => ({
      rule: rule.id,
      impact: rule.impact,
      targets: [...targets.keys()],
      example: [...targets.values()][0]?.failureSummary?.replace(/\s+/g, ' ').trim() ?? '',
    })),
    undecidedContrast: [...undecided.entries()].filter(([target]) => !decided.has(target)).map(([target, why]) => `${target}: ${why}`),
    runs,
  };
}

/** The audit of the page as it is, in the light and the dark theme, scrolled through. */
export async function auditPage(page: Page, b: Bridge): Promise<Audit> {
  await injectAxe(page, b);
  const audit = {} as Audit;
  for (const theme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: theme });
    audit[theme] = await auditTheme(page);
  }
  await page.emulateMedia({ colorScheme: 'light' });
  return audit;
}

/** Violations by rule, as "rule ×elements" (for the report). */
export function byRule(findings: Finding[]): Record<string, number> {
  return Object.fromEntries(findings.map((f) => [f.rule, f.targets.length]));
}

/** The popover's own CSP, as renderer/index.html declares it. */
export function declaredCsp(rendererDir: string): string {
  const html = readFileSync(join(rendererDir, 'index.html'), 'utf8');
  const match = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html);
  if (!match) throw new Error('the built popover declares no CSP');
  return match[1]!;
}

/**
 * The page still runs under its own, unchanged CSP: the meta tag is the built one, the server
 * adds no policy header, every script on the page comes from its own origin, and an inline
 * script is refused (reported as a violation of script-src).
 */
export async function expectCspIntact(page: Page, b: Bridge, rendererDir: string): Promise<void> {
  const response = await page.request.get(`${b.serverUrl}/index.html`);
  expect(response.headers()['content-security-policy']).toBeUndefined();
  const csp = declaredCsp(rendererDir);
  expect(csp).toContain("script-src 'self'");
  expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|nonce-|sha256-/);
  const live = await page.evaluate(() => {
    const { document, location } = globalThis as unknown as {
      document: {
        querySelectorAll(s: string): ArrayLike<{ getAttribute(n: string): string | null; src: string; textContent: string | null }>;
      };
      location: { origin: string };
    };
    const metas = document.querySelectorAll('meta[http-equiv="Content-Security-Policy"]');
    const scripts = document.querySelectorAll('script');
    const sources: string[] = [];
    for (let i = 0; i < scripts.length; i++) sources.push(scripts[i]!.src ? new URL(scripts[i]!.src).origin : `inline: ${scripts[i]!.textContent ?? ''}`);
    return { metas: Array.from({ length: metas.length }, (_, i) => metas[i]!.getAttribute('content')), sources, origin: location.origin };
  });
  expect(live.metas).toEqual([csp]);
  expect(live.sources.length).toBeGreaterThan(0);
  expect(new Set(live.sources)).toEqual(new Set([live.origin]));

  // An inline script is refused, as it always was.
  const probe = await page.evaluate(
    () =>
      new Promise<{ ran: boolean; directive: string | null; blocked: string | null }>((done) => {
        const g = globalThis as unknown as {
          document: {
            addEventListener(t: string, l: (e: { violatedDirective: string; blockedURI: string }) => void, o: unknown): void;
            createElement(t: string): { textContent: string; remove(): void };
            head: { append(n: unknown): void };
          };
          __inlineRan?: boolean;
          setTimeout(f: () => void, ms: number): void;
        };
        let seen: { directive: string; blocked: string } | null = null;
        g.document.addEventListener('securitypolicyviolation', (e) => (seen = { directive: e.violatedDirective, blocked: e.blockedURI }), { once: true });
        const script = g.document.createElement('script');
        script.textContent = 'globalThis.__inlineRan = true';
        g.document.head.append(script);
        g.setTimeout(() => {
          script.remove();
          done({ ran: g.__inlineRan === true, directive: seen?.directive ?? null, blocked: seen?.blocked ?? null });
        }, 200);
      }),
  );
  expect(probe).toEqual({ ran: false, directive: expect.stringMatching(/^script-src/), blocked: 'inline' });
  // That refusal was the probe's own: take its console report out of the page's problems.
  await expect.poll(() => b.pageProblems.some((p) => /inline script/i.test(p))).toBe(true);
  b.pageProblems.splice(0, b.pageProblems.length, ...b.pageProblems.filter((p) => !/inline script/i.test(p)));
}
