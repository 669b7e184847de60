import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, type RenderResult } from '@testing-library/react';
import type { ReactElement } from 'react';
import { MemoryRouter } from 'react-router';
import { vi } from 'vitest';
import { theme } from '../app/theme.js';

/** Renders inside the app's providers (no retries, transitions off) at a route under the entrance. */
export function renderWithProviders(ui: ReactElement, route = '/entrance-0001'): RenderResult {
  const client = new QueryClient({
    defaultOptions: { queries: { retry: false }, mutations: { retry: false } },
  });
  return render(
    <QueryClientProvider client={client}>
      <MantineProvider theme={theme} env="test">
        <MemoryRouter initialEntries={[route]}>{ui}</MemoryRouter>
      </MantineProvider>
    </QueryClientProvider>,
  );
}

export interface FakeCall {
  method: string;
  path: string;
  /** The query string, `?kind=error&…` or ''. */
  query: string;
  body: unknown;
  headers: Record<string, string>;
}

/**
 * A stand-in for the server at the fetch boundary: answers by "METHOD /path" with a status and a
 * body, and records every call, so a test can check what the form sent.
 */
export function fakeServer(routes: Record<string, (body: unknown) => [number, unknown]>) {
  const calls: FakeCall[] = [];
  vi.stubGlobal('fetch', async (url: string, init: RequestInit = {}) => {
    const method = init.method ?? 'GET';
    const parsed = new URL(url, 'http://localhost');
    const path = parsed.pathname.replace('/api/v1', '');
    const body = typeof init.body === 'string' ? JSON.parse(init.body) : undefined;
    calls.push({
      method,
      path,
      query: parsed.search,
      body,
      headers: (init.headers ?? {}) as Record<string, string>,
    });
    const handler = routes[`${method} ${path}`];
    const [status, payload] = handler ? handler(body) : [404, undefined];
    return new Response(payload === undefined ? 'Not Found\n' : JSON.stringify(payload), {
      status,
      headers: { 'content-type': payload === undefined ? 'text/plain' : 'application/json' },
    });
  });
  return calls;
}
