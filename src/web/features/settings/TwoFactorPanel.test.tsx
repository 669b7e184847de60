import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeServer, renderWithProviders } from '../../test/render.js';
import { TwoFactorPanel } from './TwoFactorPanel.js';

afterEach(() => vi.unstubAllGlobals());

const ME = {
  user: { id: 'u1', username: 'admin', locale: 'en', totpEnabled: false, mustChangePassword: false },
  via: 'session',
  scope: 'admin',
  csrfToken: 'csrf-1',
};
const QR =
  '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>';
const RECOVERY = Array.from({ length: 10 }, (_, index) => `rcv-${index}-abcd`);
const wrongCode = () =>
  [400, { error: { code: 'DIWAN_E_VALIDATION', message: 'code: wrong', field: 'code' } }] as [
    number,
    unknown,
  ];

describe('TwoFactorPanel', () => {
  it('turns on with the QR code and a code from the app, then shows the recovery codes once', async () => {
    let enabled = false;
    let attempts = 0;
    const calls = fakeServer({
      'GET /auth/me': () => [200, ME],
      'GET /auth/2fa': () => [200, { enabled, remainingRecoveryCodes: enabled ? 10 : 0 }],
      'POST /auth/2fa/setup': () => [
        200,
        { secret: 'JBSWY3DPEHPK3PXP', uri: 'otpauth://totp/Diwan:admin?secret=JBSWY3DPEHPK3PXP', qrSvg: QR },
      ],
      'POST /auth/2fa/enable': () => {
        attempts += 1;
        if (attempts === 1) return wrongCode();
        enabled = true;
        return [200, { recoveryCodes: RECOVERY }];
      },
    });
    renderWithProviders(<TwoFactorPanel />);
    const user = userEvent.setup();
    expect(await screen.findByText('Off')).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Set up two-factor authentication' }));

    const qr = await screen.findByRole('img', { name: 'QR code to add Diwan to an authenticator app' });
    expect(decodeURIComponent(qr.getAttribute('src')!)).toBe(`data:image/svg+xml;charset=utf-8,${QR}`);
    expect(screen.getByTestId('totp-secret').textContent).toBe('JBSWY3DPEHPK3PXP');

    const code = screen.getByRole('textbox', { name: /^Code from the app/ });
    await user.type(code, '000000');
    await user.click(screen.getByRole('button', { name: 'Turn on' }));
    expect(await screen.findByText(/^That code is not right/)).toBeTruthy();
    expect(screen.queryByTestId('recovery-codes')).toBeNull();

    await user.clear(code);
    await user.type(code, ' 123456 ');
    await user.click(screen.getByRole('button', { name: 'Turn on' }));
    const codes = await screen.findByTestId('recovery-codes');
    expect(codes.textContent).toBe(RECOVERY.join('\n'));
    expect(calls.filter((call) => call.path === '/auth/2fa/enable').map((call) => call.body)).toEqual([
      { code: '000000' },
      { code: '123456' },
    ]);

    await user.click(screen.getByRole('button', { name: 'I have saved them' }));
    expect(await screen.findByText('On')).toBeTruthy();
    expect(screen.queryByTestId('recovery-codes')).toBeNull();
  });

  it('turns off with a code from the app or a recovery code', async () => {
    let enabled = true;
    const calls = fakeServer({
      'GET /auth/me': () => [200, { ...ME, user: { ...ME.user, totpEnabled: true } }],
      'GET /auth/2fa': () => [200, { enabled, remainingRecoveryCodes: 9 }],
      'POST /auth/2fa/disable': () => {
        enabled = false;
        return [200, { ok: true }];
      },
    });
    renderWithProviders(<TwoFactorPanel />);
    const user = userEvent.setup();
    expect(await screen.findByText(/9 recovery codes are left/)).toBeTruthy();
    await user.type(
      screen.getByRole('textbox', { name: /^Code from the app, or a recovery code/ }),
      'rcv-3-abcd',
    );
    await user.click(screen.getByRole('button', { name: 'Turn off two-factor authentication' }));
    await vi.waitFor(() =>
      expect(calls.filter((call) => call.method === 'POST').map((call) => call.body)).toEqual([
        { code: 'rcv-3-abcd' },
      ]),
    );
    expect(await screen.findByText('Off')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Set up two-factor authentication' })).toBeTruthy();
  });
});
