import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { DiwanError } from '../../../contract/errors.js';
import type { CertificateInfo } from '../../../contract/websites.js';

/**
 * Reading and checking certificates with node:crypto alone. Used by the web tier (a pasted
 * certificate is refused with a 400 naming the field before anything runs) and by the agent, which
 * checks again what it is about to write and reads what is on disk.
 */

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----/g;

const refuse = (field: 'chain' | 'key', message: string) =>
  new DiwanError('DIWAN_E_VALIDATION', `${field}: ${message}`, field);

/** The certificates of a PEM chain, in the order given; throws naming `chain` when one is unreadable. */
export function parseChain(pem: string): X509Certificate[] {
  const blocks = pem.match(PEM_BLOCK) ?? [];
  if (blocks.length === 0) throw refuse('chain', 'holds no certificate');
  return blocks.map((block, index) => {
    try {
      return new X509Certificate(block);
    } catch {
      throw refuse('chain', `certificate ${index + 1} cannot be read`);
    }
  });
}

/** The DNS names a certificate covers (its subjectAltName). */
export function namesOf(certificate: X509Certificate): string[] {
  return (certificate.subjectAltName ?? '')
    .split(/,\s*/)
    .filter((entry) => entry.startsWith('DNS:'))
    .map((entry) => entry.slice(4).toLowerCase());
}

/** Whether a name the certificate holds covers a site's domain (`*.a.com` covers `b.a.com`). */
export function covers(names: string[], domain: string): boolean {
  if (names.includes(domain)) return true;
  if (domain.startsWith('*.')) return false; // a wildcard site needs the wildcard itself
  const parent = domain.slice(domain.indexOf('.') + 1);
  return parent.includes('.') && names.includes(`*.${parent}`);
}

/** "O=Let's Encrypt, CN=R3" out of node's multi-line issuer. */
function issuerOf(certificate: X509Certificate): string {
  const parts = certificate.issuer.split('\n').filter((line) => /^(O|CN)=/.test(line));
  return (parts.length > 0 ? parts : certificate.issuer.split('\n')).join(', ').slice(0, 500);
}

export function certificateInfo(certificate: X509Certificate): CertificateInfo {
  return {
    issuer: issuerOf(certificate),
    domains: namesOf(certificate),
    notBefore: new Date(certificate.validFrom).toISOString(),
    notAfter: new Date(certificate.validTo).toISOString(),
    serial: certificate.serialNumber.toUpperCase(),
  };
}

function readKey(pem: string): KeyObject {
  try {
    return createPrivateKey({ key: pem, format: 'pem' });
  } catch (error) {
    const encrypted = /encrypted|passphrase|bad decrypt/i.test((error as Error).message);
    throw refuse(
      'key',
      encrypted ? 'is encrypted: give the key without a passphrase' : 'is not a private key that can be read',
    );
  }
}

/**
 * A certificate its owner gives for a site: readable, in order (each certificate issued by the
 * next), matching its key, covering every domain of the site, and valid now. Throws a 400 naming
 * `chain` or `key` otherwise; returns what the certificate says.
 */
export function checkCustomCertificate(
  input: { chain: string; key: string },
  domains: string[],
  now: Date,
): CertificateInfo {
  const chain = parseChain(input.chain);
  const leaf = chain[0]!;
  for (let index = 0; index + 1 < chain.length; index += 1) {
    if (!chain[index]!.checkIssued(chain[index + 1]!))
      throw refuse(
        'chain',
        `certificate ${index + 2} did not issue certificate ${index + 1}: give the site's certificate first, then each issuer`,
      );
  }
  const key = readKey(input.key);
  if (!leaf.checkPrivateKey(key)) throw refuse('key', "does not belong to the chain's first certificate");
  const names = namesOf(leaf);
  const missing = domains.filter((domain) => !covers(names, domain));
  if (missing.length > 0)
    throw refuse(
      'chain',
      `does not cover ${missing.join(', ')} (it covers ${names.join(', ') || 'no DNS name'})`,
    );
  if (new Date(leaf.validTo).getTime() <= now.getTime())
    throw refuse('chain', `expired on ${new Date(leaf.validTo).toISOString()}`);
  if (new Date(leaf.validFrom).getTime() > now.getTime())
    throw refuse('chain', `is not valid before ${new Date(leaf.validFrom).toISOString()}`);
  return certificateInfo(leaf);
}
