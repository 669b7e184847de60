import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeServer, renderWithProviders } from '../../test/render.js';
import { CreateWebsiteForm } from './CreateWebsiteForm.js';

afterEach(() => vi.unstubAllGlobals());

describe('CreateWebsiteForm', () => {
  it('shows the fields of the chosen type and sends that type’s body', async () => {
    const calls = fakeServer({
      'POST /websites': (body) => [201, { ...(body as object), id: 's1', domains: ['app.example.com'] }],
    });
    const onCreated = vi.fn();
    renderWithProviders(<CreateWebsiteForm onCreated={onCreated} />);
    const user = userEvent.setup();
    expect(screen.getByRole('textbox', { name: /^folder/i })).toBeTruthy();
    expect(screen.queryByRole('textbox', { name: /application address/i })).toBeNull();

    await user.click(screen.getByRole('radio', { name: 'Reverse proxy' }));
    expect(screen.queryByRole('textbox', { name: /^folder/i })).toBeNull();
    await user.type(screen.getAllByLabelText(/^domains/i)[0]!, 'app.example.com{Enter}');
    await user.type(screen.getByRole('textbox', { name: /application address/i }), 'http://127.0.0.1:3000');
    await user.click(screen.getByRole('button', { name: 'Create website' }));
    await vi.waitFor(() => expect(onCreated).toHaveBeenCalledOnce());
    expect(calls[0]?.body).toMatchObject({
      type: 'proxy',
      domains: ['app.example.com'],
      upstream: 'http://127.0.0.1:3000',
      options: { gzip: true, accessLog: true },
    });
  });

  it('puts a refused domain on the domains field, and shows nginx’s own words when it refuses', async () => {
    let answer: [number, unknown] = [
      400,
      { error: { code: 'DIWAN_E_VALIDATION', message: 'domains.0: bad', field: 'domains.0' } },
    ];
    fakeServer({ 'POST /websites': () => answer });
    renderWithProviders(<CreateWebsiteForm onCreated={() => undefined} />);
    const user = userEvent.setup();
    await user.type(screen.getAllByLabelText(/^domains/i)[0]!, 'not a domain{Enter}');
    await user.click(screen.getByRole('button', { name: 'Create website' }));
    expect(await screen.findByText(/Each domain must be a name such as example.com/)).toBeTruthy();

    answer = [
      502,
      { error: { code: 'DIWAN_E_HOST_COMMAND', message: 'nginx: [emerg] unknown directive "x"' } },
    ];
    await user.click(screen.getByRole('button', { name: 'Create website' }));
    expect(await screen.findByText('nginx: [emerg] unknown directive "x"')).toBeTruthy();
    expect(screen.getByRole('alert').textContent).toContain('A program on the server failed');
  });
});
