/**
 * The agent's website change in a process of its own, for the crash test: argv[2] is the layout,
 * argv[3] the site (JSON). With DIWAN_TEST_WEBSITES_PAUSE_MS it stops after `nginx -t`, before any
 * reload, and prints each log line, so the test can kill it right there.
 */
import { agentOps, type AgentEvent } from '../../src/contract/agent-ops.js';
import { createHostWebsitesOps } from '../../src/agent/ops/websites/handlers.js';
import type { WebsitesConfig } from '../../src/server/config/types.js';

const layout = JSON.parse(process.argv[2]!) as WebsitesConfig;
const ops = createHostWebsitesOps(layout);
await ops.apply(agentOps['websites.apply'].input.parse({ site: JSON.parse(process.argv[3]!) }), {
  actor: 'test',
  signal: new AbortController().signal,
  emit: (event: AgentEvent) => {
    if (event.kind === 'log') process.stdout.write(`${event.line}\n`);
  },
});
