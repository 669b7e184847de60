import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeServer, renderWithProviders } from '../../test/render.js';
import { CreateTokenForm } from './TokensPanel.js';

afterEach(() => vi.unstubAllGlobals());

describe('CreateTokenForm', () => {
  it('creates a read token that expires in 90 days by default', async () => {
    const calls = fakeServer({
      'POST /tokens': (body) => [201, { ...(body as object), id: 't1', token: 'dwt_secret' }],
    });
    const onCreated = vi.fn();
    renderWithProviders(<CreateTokenForm onCreated={onCreated} />);
    const user = userEvent.setup();
    await user.type(screen.getByRole('textbox', { name: /^name/i }), 'backup script');
    const before = Date.now();
    await user.click(screen.getByRole('button', { name: 'Create token' }));
    await vi.waitFor(() => expect(onCreated).toHaveBeenCalledOnce());
    const body = calls[0]!.body as { name: string; scope: string; expiresAt: number };
    expect(body).toMatchObject({ name: 'backup script', scope: 'read' });
    expect(body.expiresAt - before).toBeGreaterThanOrEqual(90 * 24 * 3600 * 1000);
    expect(body.expiresAt - before).toBeLessThan(91 * 24 * 3600 * 1000);
    expect(onCreated.mock.calls[0]?.[0]).toMatchObject({ token: 'dwt_secret' });
  });

  it('puts a refused name on the name field', async () => {
    fakeServer({
      'POST /tokens': () => [
        400,
        { error: { code: 'DIWAN_E_VALIDATION', message: 'name: bad', field: 'name' } },
      ],
    });
    renderWithProviders(<CreateTokenForm onCreated={() => undefined} />);
    const user = userEvent.setup();
    await user.type(screen.getByRole('textbox', { name: /^name/i }), 'bad/name');
    await user.click(screen.getByRole('button', { name: 'Create token' }));
    expect(await screen.findByText(/Give the token a name/)).toBeTruthy();
    expect(screen.getByRole('textbox', { name: /^name/i }).getAttribute('aria-invalid')).toBe('true');
  });
});
