import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SiteCertificate, Task } from '../../lib/api.js';
import { FakeSocket, followedTask } from '../../test/fake-socket.js';
import { fakeServer, renderWithProviders } from '../../test/render.js';
import { WebsitePage } from './WebsitePage.js';

afterEach(() => {
  vi.unstubAllGlobals();
  FakeSocket.all = [];
});

const SITE = {
  id: 's1',
  type: 'static',
  domains: ['example.com'],
  root: '/var/www/example.com',
  phpVersion: null,
  upstream: null,
  redirect: null,
  options: { gzip: true, rewrite: 'none', allow: [], deny: [], accessLog: true, errorPages: [] },
  enabled: true,
  createdAt: '2026-11-30T09:00:00Z',
  updatedAt: '2026-11-30T09:00:00Z',
};

const CERTIFICATE: SiteCertificate = {
  source: 'letsencrypt',
  forceHttps: false,
  hsts: false,
  issuer: "O=Let's Encrypt, CN=R11",
  domains: ['example.com'],
  notBefore: '2026-11-30T09:00:00.000Z',
  notAfter: '2027-02-28T09:00:00.000Z',
  daysLeft: 89,
  serial: '04A1B2',
  lastError: null,
};

const TASK: Task = {
  id: '22222222-2222-4222-8222-222222222222',
  kind: 'website.certificate',
  title: "Let's Encrypt certificate for example.com",
  state: 'queued',
  progress: 0,
  cancellable: false,
  createdBy: 'admin',
  createdAt: 1,
  startedAt: null,
  finishedAt: null,
  error: null,
  result: null,
};

async function openSslTab(): Promise<ReturnType<typeof userEvent.setup>> {
  renderWithProviders(
    <Routes>
      <Route path="/websites/:id" element={<WebsitePage />} />
    </Routes>,
    '/websites/s1',
  );
  expect(await screen.findByRole('heading', { name: 'example.com' })).toBeTruthy();
  const user = userEvent.setup();
  await user.click(screen.getByRole('tab', { name: 'SSL' }));
  return user;
}

describe('the SSL tab', () => {
  it("gets a Let's Encrypt certificate as a task followed live, then shows issuer, names and expiry", async () => {
    vi.stubGlobal('WebSocket', FakeSocket);
    let certificate: SiteCertificate | null = null;
    const calls = fakeServer({
      'GET /websites/s1': () => [200, SITE],
      'GET /websites/s1/certificate': () => [200, { certificate }],
      'PUT /websites/s1/certificate': () => [202, { certificate: null, taskId: TASK.id }],
    });
    const user = await openSslTab();
    expect(await screen.findByText(/has no certificate/)).toBeTruthy();
    await user.click(screen.getByRole('button', { name: "Get a Let's Encrypt certificate" }));
    expect(calls.find((call) => call.method === 'PUT')?.body).toEqual({
      source: 'letsencrypt',
      forceHttps: false,
      hsts: false,
    });

    const update = await followedTask(TASK.id);
    update({ type: 'task', task: { ...TASK, state: 'running' } });
    update({
      type: 'log',
      taskId: TASK.id,
      lines: [{ seq: 1, at: 2, stream: 'step', line: 'Prove example.com' }],
    });
    const panel = await screen.findByTestId('task-log');
    expect(await within(panel).findByText('Prove example.com')).toBeTruthy();
    certificate = CERTIFICATE;
    update({ type: 'task', task: { ...TASK, state: 'succeeded', progress: 100 } });
    expect(await screen.findByText("O=Let's Encrypt, CN=R11")).toBeTruthy();
    expect(screen.getByText(/89 days left/)).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Renew now' })).toBeTruthy();
  });

  it('turns force HTTPS on, and removes the certificate only after a confirmation', async () => {
    const calls = fakeServer({
      'GET /websites/s1': () => [200, SITE],
      'GET /websites/s1/certificate': () => [200, { certificate: CERTIFICATE }],
      'PATCH /websites/s1/certificate': (body) => [
        200,
        { certificate: { ...CERTIFICATE, ...(body as object) }, taskId: 't1' },
      ],
      'DELETE /websites/s1/certificate': () => [200, { taskId: 't2' }],
    });
    const user = await openSslTab();
    await user.click(await screen.findByRole('switch', { name: /^Force HTTPS/ }));
    await vi.waitFor(() =>
      expect(calls.filter((call) => call.method === 'PATCH').map((call) => call.body)).toEqual([
        { forceHttps: true },
      ]),
    );
    await vi.waitFor(() =>
      expect((screen.getByRole('switch', { name: /^Force HTTPS/ }) as HTMLInputElement).checked).toBe(true),
    );

    await user.click(screen.getByRole('button', { name: 'Remove the certificate' }));
    const dialog = await screen.findByRole('dialog');
    expect(calls.some((call) => call.method === 'DELETE')).toBe(false);
    await user.click(within(dialog).getByRole('button', { name: 'Remove the certificate' }));
    await vi.waitFor(() => expect(calls.some((call) => call.method === 'DELETE')).toBe(true));
    expect(await screen.findByText(/has no certificate/)).toBeTruthy();
  });

  it("puts the server's refusal of a pasted certificate on the field it names, with its words", async () => {
    const calls = fakeServer({
      'GET /websites/s1': () => [200, SITE],
      'GET /websites/s1/certificate': () => [200, { certificate: null }],
      'PUT /websites/s1/certificate': () => [
        400,
        {
          error: {
            code: 'DIWAN_E_VALIDATION',
            message: 'chain: does not cover example.com (it covers other.example)',
            field: 'chain',
          },
        },
      ],
    });
    const user = await openSslTab();
    const chain = await screen.findByRole('textbox', { name: 'Certificate chain (PEM)' });
    await user.click(chain);
    await user.paste('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----');
    await user.click(screen.getByRole('textbox', { name: 'Private key (PEM)' }));
    await user.paste('-----BEGIN PRIVATE KEY-----\nMIGH\n-----END PRIVATE KEY-----');
    await user.click(screen.getByRole('button', { name: 'Use this certificate' }));
    expect(
      await screen.findByText(/The certificate chain was refused.*does not cover example.com/),
    ).toBeTruthy();
    expect(calls.find((call) => call.method === 'PUT')?.body).toMatchObject({
      source: 'custom',
      chain: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----',
    });
  });
});
