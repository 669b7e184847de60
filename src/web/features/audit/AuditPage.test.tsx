import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeServer, renderWithProviders, type FakeCall } from '../../test/render.js';
import { AuditPage } from './AuditPage.js';

afterEach(() => vi.unstubAllGlobals());

const entry = (id: number, action: string, outcome = 'success') => ({
  id,
  at: Date.UTC(2026, 10, 30, 9, 0, id),
  actorType: 'user',
  actorId: 'u1',
  actorName: 'admin',
  ip: '127.0.0.1',
  action,
  target: null,
  outcome,
  details: null,
  requestId: null,
});

/** The audit queries the page made, as their parameters. */
const queries = (calls: FakeCall[]) =>
  calls
    .filter((call) => call.path === '/audit')
    .map((call) => Object.fromEntries(new URLSearchParams(call.query)));

describe('AuditPage', () => {
  it('pages back in time with the server’s cursor, and forward again', async () => {
    const calls = fakeServer({
      'GET /audit': () => {
        const before = new URLSearchParams(calls.at(-1)!.query).get('before');
        return before === '200'
          ? [200, { entries: [entry(100, 'token.revoke')], nextBefore: null }]
          : [200, { entries: [entry(300, 'auth.login'), entry(200, 'token.create')], nextBefore: 200 }];
      },
    });
    renderWithProviders(<AuditPage />);
    const user = userEvent.setup();
    const table = await screen.findByRole('table', { name: 'Audit log' });
    expect(await within(table).findByText('Logged in')).toBeTruthy();
    expect(screen.getByText('Page 1')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Newer' }).hasAttribute('disabled')).toBe(true);

    await user.click(screen.getByRole('button', { name: 'Older' }));
    expect(await within(table).findByText('Revoked an API token')).toBeTruthy();
    expect(queries(calls).at(-1)).toEqual({ limit: '25', before: '200' });
    expect(screen.getByText('Page 2')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Older' }).hasAttribute('disabled')).toBe(true);

    await user.click(screen.getByRole('button', { name: 'Newer' }));
    expect(await within(table).findByText('Logged in')).toBeTruthy();
    expect(screen.getByText('Page 1')).toBeTruthy();
  });

  it('applies the filters only on request, sends them to the server, and starts again at page 1', async () => {
    const calls = fakeServer({
      'GET /audit': () => [200, { entries: [entry(5, 'agent.software.install', 'denied')], nextBefore: 5 }],
    });
    renderWithProviders(<AuditPage />);
    const user = userEvent.setup();
    await screen.findByText('The agent refused a call without a valid credential (software.install)');
    await user.click(screen.getByRole('button', { name: 'Older' }));
    await vi.waitFor(() => expect(queries(calls).at(-1)).toMatchObject({ before: '5' }));

    await user.type(screen.getByRole('textbox', { name: /^Action/ }), 'agent.');
    await user.type(screen.getByRole('textbox', { name: /^User/ }), 'admin');
    await user.click(screen.getByRole('combobox', { name: 'Outcome' }));
    await user.click(await screen.findByRole('option', { name: 'Refused' }));
    const sent = queries(calls).length;
    expect(sent).toBe(2); // typing asks nothing
    await user.click(screen.getByRole('button', { name: 'Apply filters' }));
    await vi.waitFor(() =>
      expect(queries(calls).at(-1)).toEqual({
        limit: '25',
        action: 'agent.',
        actor: 'admin',
        outcome: 'denied',
      }),
    );
    expect(screen.getByText('Page 1')).toBeTruthy();

    await user.click(screen.getByRole('button', { name: 'Clear' }));
    await vi.waitFor(() => expect(queries(calls).at(-1)).toEqual({ limit: '25' }));
    expect((screen.getByRole('textbox', { name: /^Action/ }) as HTMLInputElement).value).toBe('');
  });
});
