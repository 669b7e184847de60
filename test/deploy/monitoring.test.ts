import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildTestApp, type TestApp } from '../support/app.js';

// The Grafana dashboard and the Prometheus alerts may only name metrics and labels the app really
// exports: every PromQL expression is taken apart and checked against a live /metrics, so that a
// renamed metric fails here instead of leaving an empty panel or an alert that never fires.

/** Series Prometheus makes itself, not the app. */
const PROMETHEUS_SERIES: Record<string, string[]> = { up: ['job', 'instance'] };
/** Labels Prometheus adds to every scraped series. */
const TARGET_LABELS = ['job', 'instance'];
const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
]);

interface Parsed {
  metrics: string[];
  /** Label names in matchers, with the metric they were matched on. */
  matched: { metric: string; label: string }[];
  /** Label names in by/without/on/ignoring, checked against any metric of the expression. */
  grouped: string[];
}

/** A small PromQL reader: enough for selectors, functions, aggregations and ranges. */
export function parsePromQL(source: string): Parsed {
  let expr = source.replace(/\$\{?\w+\}?/g, '1m'); // Grafana's variables ($__rate_interval, $job)
  expr = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/\[[^\]]*\]/g, '');
  const matched: Parsed['matched'] = [];
  const grouped: string[] = [];
  const metrics: string[] = [];
  expr = expr.replace(
    /([a-zA-Z_:][\w:]*)?\s*\{([^}]*)\}/g,
    (_whole, metric: string | undefined, body: string) => {
      if (!metric || KEYWORDS.has(metric)) throw new Error(`a selector without a metric name: ${source}`);
      metrics.push(metric);
      for (const m of body.matchAll(/([a-zA-Z_]\w*)\s*(=~|!~|!=|=)/g)) matched.push({ metric, label: m[1]! });
      return ' ';
    },
  );
  expr = expr.replace(
    /\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g,
    (_whole, _kw, list: string) => {
      grouped.push(
        ...list
          .split(',')
          .map((label) => label.trim())
          .filter(Boolean),
      );
      return ' ';
    },
  );
  for (const token of expr.matchAll(/(\d+(?:\.\d+)?(?:e[+-]?\d+)?)|([a-zA-Z_:][\w:]*)(\s*\()?/gi)) {
    const [, number, name, call] = token;
    if (number !== undefined || name === undefined || call !== undefined || KEYWORDS.has(name)) continue;
    metrics.push(name);
  }
  return { metrics, matched, grouped };
}

/** Metric name → its label names, from the Prometheus text format. */
function exposition(text: string): Map<string, Set<string>> {
  const series = new Map<string, Set<string>>();
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})?\s/.exec(line);
    if (!match) continue;
    const labels = series.get(match[1]!) ?? new Set<string>();
    for (const label of (match[2] ?? '').matchAll(/(\w+)="/g)) labels.add(label[1]!);
    series.set(match[1]!, labels);
  }
  for (const [name, labels] of Object.entries(PROMETHEUS_SERIES)) series.set(name, new Set(labels));
  return series;
}

let testApp: TestApp;
let series: Map<string, Set<string>>;

beforeAll(async () => {
  testApp = await buildTestApp();
  // Some answers first, so that the HTTP histogram has series (5xx has none until one happens: the
  // metric and its labels exist either way).
  await testApp.app.inject({ method: 'GET', url: '/healthz' });
  await testApp.app.inject({ method: 'GET', url: '/no/such/path' });
  const response = await testApp.app.inject({ method: 'GET', url: '/metrics' });
  expect(response.statusCode).toBe(200);
  series = exposition(response.body);
});

afterAll(async () => {
  await testApp?.close();
});

function checkExpression(where: string, expr: string): string[] {
  const problems: string[] = [];
  const { metrics, matched, grouped } = parsePromQL(expr);
  if (metrics.length === 0) problems.push(`${where}: names no metric: ${expr}`);
  for (const metric of metrics) if (!series.has(metric)) problems.push(`${where}: unknown metric ${metric}`);
  for (const { metric, label } of matched) {
    if (series.has(metric) && !series.get(metric)!.has(label) && !TARGET_LABELS.includes(label))
      problems.push(`${where}: ${metric} has no label ${label}`);
  }
  const known = new Set(metrics.flatMap((metric) => [...(series.get(metric) ?? [])]));
  for (const label of grouped)
    if (!known.has(label) && !TARGET_LABELS.includes(label))
      problems.push(`${where}: no metric of it has the label ${label}`);
  return problems;
}

describe('monitoring files against the real /metrics', () => {
  it('the reader finds metrics, matchers and groupings, and the check catches a wrong name', () => {
    const parsed = parsePromQL(
      'histogram_quantile(0.95, sum by (le, route) (rate(diwan_http_request_duration_seconds_bucket{job=~"$job", route!="/x"}[$__rate_interval]))) > 1e3',
    );
    expect(parsed.metrics).toEqual(['diwan_http_request_duration_seconds_bucket']);
    expect(parsed.matched.map((m) => m.label)).toEqual(['job', 'route']);
    expect(parsed.grouped).toEqual(['le', 'route']);
    expect(checkExpression('t', 'rate(diwan_http_requests_total[5m])')).toEqual([
      't: unknown metric diwan_http_requests_total',
    ]);
    expect(checkExpression('t', 'sum by (path) (diwan_db_pool_connections)')).toEqual([
      't: no metric of it has the label path',
    ]);
    expect(checkExpression('t', 'diwan_db_pool_connections{pool="x"}')).toEqual([
      't: diwan_db_pool_connections has no label pool',
    ]);
  });

  it('deploy/grafana/diwan.json: every query names real metrics and labels, and covers what it should', () => {
    const dashboard = JSON.parse(
      readFileSync(new URL('../../deploy/grafana/diwan.json', import.meta.url), 'utf8'),
    ) as {
      panels: { id: number; title: string; type: string; targets?: { expr: string }[] }[];
      templating: { list: { name: string; query: { query: string } }[] };
    };
    const expressions = [
      ...dashboard.panels.flatMap((panel) =>
        (panel.targets ?? []).map((target) => [`panel "${panel.title}"`, target.expr] as const),
      ),
      ...dashboard.templating.list.map(
        (variable) =>
          [
            `variable ${variable.name}`,
            variable.query.query.replace(/^label_values\((.*),\s*\w+\)$/, '$1'),
          ] as const,
      ),
    ];
    expect(expressions.length).toBeGreaterThan(15);
    expect(expressions.flatMap(([where, expr]) => checkExpression(where, expr))).toEqual([]);
    const all = expressions.map(([, expr]) => expr).join('\n');
    for (const needed of [
      'diwan_http_request_duration_seconds_bucket',
      'diwan_db_pool_connections',
      'diwan_process_resident_memory_bytes',
      'diwan_process_cpu_user_seconds_total',
      'diwan_nodejs_eventloop_lag_p99_seconds',
      'diwan_readiness_check',
    ]) {
      expect(all).toContain(needed);
    }
    // Panel ids are unique (Grafana keeps one of each otherwise).
    const ids = dashboard.panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('deploy/prometheus/alerts.yml: every rule names real metrics and labels, with a severity and a summary', () => {
    const rules = parse(
      readFileSync(new URL('../../deploy/prometheus/alerts.yml', import.meta.url), 'utf8'),
    ) as {
      groups: {
        name: string;
        rules: {
          alert: string;
          expr: string;
          for?: string;
          labels?: { severity?: string };
          annotations?: { summary?: string };
        }[];
      }[];
    };
    const all = rules.groups.flatMap((group) => group.rules);
    expect(all.map((rule) => rule.alert)).toEqual(
      expect.arrayContaining([
        'DiwanDown',
        'DiwanNotReady',
        'DiwanHighErrorRate',
        'DiwanSlowRequests',
        'DiwanHighMemory',
      ]),
    );
    expect(all.flatMap((rule) => checkExpression(`alert ${rule.alert}`, rule.expr))).toEqual([]);
    for (const rule of all) {
      expect(['critical', 'warning'], rule.alert).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary, rule.alert).toBeTruthy();
      expect(rule.for, rule.alert).toMatch(/^\d+m$/);
    }
  });
});
