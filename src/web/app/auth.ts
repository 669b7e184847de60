import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api, rememberCsrfToken, type Me } from '../lib/api.js';
import { ME_KEY } from './query-client.js';

export function useMe() {
  return useQuery({
    queryKey: ME_KEY,
    queryFn: async () => {
      const me = await api.me();
      rememberCsrfToken(me?.csrfToken ?? null);
      return me;
    },
    staleTime: Infinity,
  });
}

/** After a login, a password change or a preference change: the new `Me` and its CSRF token. */
export function useSetMe(): (me: Me | null) => void {
  const client = useQueryClient();
  return (me) => {
    rememberCsrfToken(me?.csrfToken ?? null);
    client.setQueryData(ME_KEY, me);
    // Nothing of the previous user's stays in memory after a logout.
    if (me === null) client.removeQueries({ predicate: (query) => query.queryKey[0] !== ME_KEY[0] });
  };
}
