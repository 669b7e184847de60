import { statSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// The CI workflow runs the one entry point developers run (.ci/run) on Debian 12 with Node 20.

interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<
    string,
    {
      'runs-on': string;
      'timeout-minutes'?: number;
      container?: { image: string };
      env?: Record<string, string>;
      steps: { uses?: string; run?: string }[];
    }
  >;
}

const workflow = parse(
  readFileSync(new URL('../../.github/workflows/ci.yml', import.meta.url), 'utf8'),
) as Workflow;

describe('.github/workflows/ci.yml', () => {
  it('runs .ci/run, checked out, with CI set, on pushes to main and on pull requests', () => {
    expect(Object.keys(workflow.on)).toEqual(expect.arrayContaining(['push', 'pull_request']));
    expect(workflow.permissions).toEqual({ contents: 'read' });
    const jobs = Object.values(workflow.jobs);
    expect(jobs).toHaveLength(1);
    const [job] = jobs;
    const steps = job!.steps;
    const checkout = steps.findIndex((step) => step.uses?.startsWith('actions/checkout@'));
    const run = steps.findIndex((step) => /(^|\s)(bash )?\.ci\/run(\s|$)/.test(step.run ?? ''));
    expect(checkout).toBeGreaterThanOrEqual(0);
    expect(run).toBeGreaterThan(checkout);
    expect(job!.env?.CI).toBe('true');
    expect(job!['timeout-minutes']).toBeLessThanOrEqual(60);
  });

  it('runs in a Debian 12 container with the Node major the package asks for', () => {
    const image = Object.values(workflow.jobs)[0]!.container?.image ?? '';
    expect(image).toMatch(/^node:(\d+)-bookworm$/);
    const engines = (
      JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
        engines: { node: string };
      }
    ).engines.node;
    expect(engines).toMatch(new RegExp(`^>=${/^node:(\d+)/.exec(image)![1]}\\.`));
  });

  it('.ci/run exists and is executable', () => {
    const mode = statSync(new URL('../../.ci/run', import.meta.url)).mode;
    expect(mode & 0o111).not.toBe(0);
  });
});
