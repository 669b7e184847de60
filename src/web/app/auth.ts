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
    if (me === null) client.clear();
    client.setQueryData(ME_KEY, me);
  };
}
