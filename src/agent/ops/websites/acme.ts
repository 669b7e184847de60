import { Agent } from 'node:https';
import { rootCertificates } from 'node:tls';
import * as acme from 'acme-client';
import { DiwanError } from '../../../contract/errors.js';

/**
 * One certificate order with an ACME server (Let's Encrypt) over HTTP-01, step by step so that the
 * task's log says where it is and, when the server refuses, the server's own words: order →
 * one challenge per name (the answer written where nginx serves it, checked on loopback first) →
 * the server's validation → finalize with a fresh key → the chain.
 */

export interface AcmeClientOptions {
  directoryUrl: string;
  email: string | null;
  /**
   * An extra certificate authority to trust for the ACME server itself (a private ACME server, and
   * the tests' pebble). Added to Node's own list, never instead of verification.
   */
  caCertificates?: string;
}

export interface ChallengeAnswers {
  /** Writes the answer where nginx serves `/.well-known/acme-challenge/<token>`. */
  put(token: string, content: string): Promise<void>;
  remove(token: string): Promise<void>;
  /** Asks nginx on loopback for the answer with the name's Host: null when served, else why not. */
  probe(domain: string, token: string, content: string): Promise<string | null>;
}

export interface OrderLog {
  step(line: string): void;
  info(line: string): void;
}

/** acme-client's errors carry the server's `detail`; anything else keeps its message. */
function acmeError(what: string, error: unknown): DiwanError {
  const message = error instanceof Error ? error.message : String(error);
  return new DiwanError('DIWAN_E_HOST_COMMAND', `${what}: the ACME server says: ${message}`, undefined, {
    cause: error,
  });
}

let trustedFor: string | undefined;

function trust(caCertificates: string | undefined): void {
  if (caCertificates === undefined || caCertificates === trustedFor) return;
  // acme-client sends every request through its own axios instance.
  acme.axios.defaults.httpsAgent = new Agent({ ca: [...rootCertificates, caCertificates], keepAlive: false });
  trustedFor = caCertificates;
}

export async function createAccountKey(): Promise<string> {
  return (await acme.crypto.createPrivateEcdsaKey('P-256')).toString('utf8');
}

export async function orderCertificate(options: {
  client: AcmeClientOptions;
  accountKey: string;
  domains: string[];
  answers: ChallengeAnswers;
  log: OrderLog;
}): Promise<{ chain: string; key: string }> {
  const { client: settings, domains, answers, log } = options;
  trust(settings.caCertificates);
  // Polls for the server's verdicts from 1 s, backing off to 20 s (the server's Retry-After wins).
  const client = new acme.Client({
    directoryUrl: settings.directoryUrl,
    accountKey: options.accountKey,
    backoffAttempts: 10,
    backoffMin: 1_000,
    backoffMax: 20_000,
  });

  log.step(`Ask ${settings.directoryUrl} for a certificate for ${domains.join(', ')}`);
  try {
    await client.createAccount({
      termsOfServiceAgreed: true,
      ...(settings.email ? { contact: [`mailto:${settings.email}`] } : {}),
    });
  } catch (error) {
    throw acmeError('The ACME account could not be registered', error);
  }
  let order: acme.Order;
  try {
    order = await client.createOrder({ identifiers: domains.map((value) => ({ type: 'dns', value })) });
  } catch (error) {
    throw acmeError('The order was refused', error);
  }
  log.info(`Order ${order.url} created`);

  const written: string[] = [];
  try {
    const authorizations = await client.getAuthorizations(order);
    for (const authorization of authorizations) {
      const domain = authorization.identifier.value;
      if (authorization.status === 'valid') {
        log.info(`${domain}: already validated for this account`);
        continue;
      }
      const challenge = authorization.challenges.find((item) => item.type === 'http-01');
      if (!challenge)
        throw new DiwanError(
          'DIWAN_E_HOST_COMMAND',
          `${domain}: the ACME server offers no HTTP-01 challenge (offered: ${authorization.challenges.map((item) => item.type).join(', ')})`,
        );
      const token = (challenge as { token: string }).token;
      if (!/^[A-Za-z0-9_-]{16,256}$/.test(token))
        throw new DiwanError('DIWAN_E_HOST_COMMAND', `${domain}: the ACME server sent an unusable token`);
      const keyAuthorization = await client.getChallengeKeyAuthorization(challenge);
      log.step(`Prove ${domain}: answer at http://${domain}/.well-known/acme-challenge/${token}`);
      await answers.put(token, keyAuthorization);
      written.push(token);
      const problem = await answers.probe(domain, token, keyAuthorization);
      if (problem !== null)
        throw new DiwanError(
          'DIWAN_E_HOST_COMMAND',
          `${domain}: nginx does not serve the challenge answer on this server (${problem}); save the site again so that its configuration has the challenge path`,
        );
      try {
        await client.completeChallenge(challenge);
        await client.waitForValidStatus(challenge);
      } catch (error) {
        throw acmeError(`${domain} was not validated`, error);
      }
      log.info(`${domain}: validated`);
    }

    log.step('Finalize the order with a new key');
    const [key, csr] = await acme.crypto.createCsr(
      { commonName: domains[0]!, altNames: domains },
      await acme.crypto.createPrivateEcdsaKey('P-256'),
    );
    let chain: string;
    try {
      const finalized = await client.finalizeOrder(order, csr);
      chain = await client.getCertificate(finalized);
    } catch (error) {
      throw acmeError('The order could not be finalized', error);
    }
    return { chain, key: key.toString('utf8') };
  } finally {
    for (const token of written) await answers.remove(token).catch(() => undefined);
  }
}
