import { MutationCache, QueryCache, QueryClient } from '@tanstack/react-query';
import { ApiError } from '../lib/api.js';

export const ME_KEY = ['me'] as const;

/** One client per tab. A 401 anywhere means the session ended: back to the login page. */
export function createQueryClient(): QueryClient {
  const client: QueryClient = new QueryClient({
    defaultOptions: {
      queries: {
        retry: (count, error) =>
          !(error instanceof ApiError && error.status > 0 && error.status < 500) && count < 2,
        refetchOnWindowFocus: false,
        staleTime: 10_000,
      },
    },
    queryCache: new QueryCache({ onError: (error) => sessionEnded(error) }),
    mutationCache: new MutationCache({ onError: (error) => sessionEnded(error) }),
  });
  function sessionEnded(error: unknown) {
    if (error instanceof ApiError && error.status === 401 && error.code === 'DIWAN_E_UNAUTHORIZED') {
      client.setQueryData(ME_KEY, null);
    }
  }
  return client;
}
