import type { AgentCredentials } from '../../../contract/agent-ops.js';
import { DiwanError } from '../../../contract/errors.js';
import type { CertificateRequest, SiteCertificate, SiteTls } from '../../../contract/websites.js';
import type { AgentClient } from '../../agent/client.js';
import type { AuditLog } from '../../audit/audit-log.js';
import type { Logger } from '../../logger.js';
import type { TaskRunner } from '../../tasks/task-runner.js';
import { checkCustomCertificate } from './certificates.js';
import type { CertificateStore, WebsiteStore } from './store.js';

/** Certificates that expire within this many days are renewed. */
export const RENEW_WITHIN_DAYS = 30;
const DAY_MS = 86_400_000;

export interface Caller {
  credentials: AgentCredentials | null;
  /** Username, for the task's record. */
  username: string | null;
}

/**
 * HTTPS for websites: the decisions between the routes, the panel's records and the agent. Every
 * change runs as a task in the `websites` queue (one site change at a time, in order); a Let's
 * Encrypt order answers at once with its task, which the page follows live; the daily sweep renews
 * what expires within 30 days.
 */
export function createCertificateService(deps: {
  agent: AgentClient;
  tasks: TaskRunner;
  sites: WebsiteStore;
  certificates: CertificateStore;
  audit: AuditLog;
  logger: Logger;
  now: () => number;
}) {
  const { agent, tasks, sites, certificates } = deps;

  async function siteOf(id: string) {
    const found = await sites.get(id);
    if (!found) throw new DiwanError('DIWAN_E_NOT_FOUND', 'No such website');
    return found;
  }

  /** Submits one change as a task; resolves with the task's id at once, and `done` when it ends. */
  async function submit(
    caller: Caller,
    title: string,
    kind: string,
    id: string,
    work: (onEvent: Parameters<AgentClient['call']>[3]) => Promise<SiteCertificate | null>,
  ): Promise<{ taskId: string; done: Promise<SiteCertificate | null> }> {
    let settle!: { resolve: (value: SiteCertificate | null) => void; reject: (error: unknown) => void };
    const done = new Promise<SiteCertificate | null>((resolve, reject) => (settle = { resolve, reject }));
    // Nobody may be waiting (a 202): an unhandled rejection must not end the process.
    done.catch(() => undefined);
    const task = await tasks.submit({
      kind,
      title,
      input: { id },
      createdBy: caller.username,
      queue: 'websites',
      run: async (context) => {
        try {
          const result = await work({ onEvent: context.onAgentEvent });
          settle.resolve(result);
          return { certificate: result };
        } catch (error) {
          settle.reject(error);
          throw error;
        }
      },
    });
    return { taskId: task.id, done };
  }

  async function audited(
    caller: Caller,
    action: string,
    id: string,
    outcome: 'success' | 'failure',
    details: Record<string, unknown>,
  ): Promise<void> {
    await deps.audit
      .record({
        actorType: caller.username ? 'user' : 'system',
        actorName: caller.username,
        action,
        target: id,
        outcome,
        details,
      })
      .catch((error: unknown) => deps.logger.error({ err: error }, 'cannot audit a certificate change'));
  }

  /** Applies the site as it is now, with this HTTPS (null: none); records what the agent serves. */
  async function applyWith(
    id: string,
    tls: SiteTls | null,
    caller: Caller,
    onEvent: Parameters<AgentClient['call']>[3],
  ) {
    const found = await siteOf(id);
    const result = await agent.call(
      'websites.apply',
      { site: { id, spec: found.spec, enabled: found.website.enabled, tls } },
      caller.credentials,
      onEvent,
    );
    if (tls && result.certificate) await certificates.save(id, tls, result.certificate);
    if (!tls) await certificates.remove(id);
    return tls ? certificates.get(id) : null;
  }

  /** Renews a Let's Encrypt certificate now; answers with the task at once. */
  async function renew(id: string, caller: Caller) {
    const found = await siteOf(id);
    const tls = await certificates.tls(id);
    if (tls?.source !== 'letsencrypt')
      throw new DiwanError(
        'DIWAN_E_CONFLICT',
        tls ? 'A custom certificate is renewed by giving the new one' : 'The site has no certificate',
        'id',
      );
    // Recorded inside the task: when the task has ended, the record and the audit say how.
    const { taskId, done } = await submit(
      caller,
      `Renew the certificate of ${found.spec.domains[0]}`,
      'website.certificate.renew',
      id,
      async (onEvent) => {
        try {
          const result = await agent.call('websites.renewCertificate', { id }, caller.credentials, onEvent);
          await certificates.save(id, (await certificates.tls(id)) ?? tls, result.certificate!);
          const renewed = await certificates.get(id);
          await audited(caller, 'website.certificate.renew', id, 'success', { serial: renewed?.serial });
          return renewed;
        } catch (error) {
          const message = (error as Error).message;
          await certificates.recordError(id, message).catch(() => undefined);
          deps.logger.warn(
            { event: 'website.certificate.renew', site: id, err: error },
            'a certificate renewal failed',
          );
          await audited(caller, 'website.certificate.renew', id, 'failure', {
            error: message.slice(0, 1000),
          });
          throw error;
        }
      },
    );
    return { taskId, done };
  }

  /** The daily sweep: a renewal task for every Let's Encrypt certificate that expires within 30 days. */
  async function sweep(): Promise<string[]> {
    const due = await certificates.dueForRenewal(RENEW_WITHIN_DAYS);
    const started: string[] = [];
    for (const site of due) {
      deps.logger.info(
        { event: 'website.certificate.due', site: site.id, notAfter: site.notAfter },
        `renewing the certificate of ${site.domain}`,
      );
      const { taskId } = await renew(site.id, { credentials: null, username: null });
      started.push(taskId);
    }
    return started;
  }

  return {
    get: async (id: string) => {
      await siteOf(id);
      return certificates.get(id);
    },

    /**
     * A Let's Encrypt certificate (answers with the task at once: the order takes a while), or a
     * custom one (checked here first: a 400 naming `chain` or `key` before anything runs; answers
     * when nginx serves it).
     */
    async put(id: string, body: CertificateRequest, caller: Caller) {
      const found = await siteOf(id);
      const tls: SiteTls = { source: body.source, forceHttps: body.forceHttps, hsts: body.hsts };
      if (body.source === 'custom') {
        checkCustomCertificate(body, found.spec.domains, new Date(deps.now()));
        const { taskId, done } = await submit(
          caller,
          `Certificate for ${found.spec.domains[0]}`,
          'website.certificate',
          id,
          async (onEvent) => {
            const current = await siteOf(id);
            const result = await agent.call(
              'websites.setCertificate',
              {
                site: { id, spec: current.spec, enabled: current.website.enabled, tls },
                chain: body.chain,
                key: body.key,
              },
              caller.credentials,
              onEvent,
            );
            await certificates.save(id, tls, result.certificate!);
            return certificates.get(id);
          },
        );
        return { certificate: await done, taskId };
      }
      const wildcards = found.spec.domains.filter((domain) => domain.startsWith('*.'));
      if (wildcards.length > 0)
        throw new DiwanError(
          'DIWAN_E_VALIDATION',
          `domains: ${wildcards.join(', ')}: Let's Encrypt proves wildcard names only through DNS, which Diwan does not manage; give a certificate instead`,
          'domains',
        );
      const { taskId } = await submit(
        caller,
        `Let's Encrypt certificate for ${found.spec.domains[0]}`,
        'website.certificate',
        id,
        async (onEvent) => {
          try {
            const current = await siteOf(id);
            const result = await agent.call(
              'websites.issueCertificate',
              { site: { id, spec: current.spec, enabled: current.website.enabled, tls } },
              caller.credentials,
              onEvent,
            );
            await certificates.save(id, tls, result.certificate!);
            const issued = await certificates.get(id);
            await audited(caller, 'website.certificate.issue', id, 'success', { serial: issued?.serial });
            return issued;
          } catch (error) {
            const message = (error as Error).message.slice(0, 1000);
            await audited(caller, 'website.certificate.issue', id, 'failure', { error: message });
            throw error;
          }
        },
      );
      return { certificate: null, taskId };
    },

    /** Force HTTPS and HSTS on or off: the site applied again with the certificate it has. */
    async patch(id: string, patch: { forceHttps?: boolean; hsts?: boolean }, caller: Caller) {
      const found = await siteOf(id);
      const current = await certificates.tls(id);
      if (!current)
        throw new DiwanError('DIWAN_E_CONFLICT', 'The site has no certificate: give it one first', 'id');
      const tls = { ...current, ...patch };
      const { taskId, done } = await submit(
        caller,
        `HTTPS settings of ${found.spec.domains[0]}`,
        'website.certificate',
        id,
        (onEvent) => applyWith(id, tls, caller, onEvent),
      );
      return { certificate: await done, taskId };
    },

    /** Back to plain HTTP: the certificate's files go, the vhost without HTTPS comes back. */
    async remove(id: string, caller: Caller) {
      const found = await siteOf(id);
      if (!(await certificates.tls(id)))
        throw new DiwanError('DIWAN_E_NOT_FOUND', 'The site has no certificate', 'id');
      const { taskId, done } = await submit(
        caller,
        `Remove the certificate of ${found.spec.domains[0]}`,
        'website.certificate',
        id,
        (onEvent) => applyWith(id, null, caller, onEvent),
      );
      await done;
      return { taskId };
    },

    renew,

    sweep,

    /** Runs the sweep a minute after start-up, then every day. */
    start(): () => void {
      const run = () =>
        void sweep().catch((error: unknown) =>
          deps.logger.warn({ err: error }, 'the certificate renewal sweep failed'),
        );
      const first = setTimeout(run, 60_000);
      const daily = setInterval(run, DAY_MS);
      first.unref();
      daily.unref();
      return () => {
        clearTimeout(first);
        clearInterval(daily);
      };
    },
  };
}

export type CertificateService = ReturnType<typeof createCertificateService>;
