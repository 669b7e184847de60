import { useEffect, useState } from 'react';
import { DASHBOARD_HISTORY_MS, type DashboardSample } from '../../../contract/dashboard.js';
import { live } from '../../lib/live.js';

export interface DashboardState {
  /** Oldest first, the last 5 minutes. */
  samples: DashboardSample[];
  /** The newest sample that has disks and processes (history samples carry empty lists). */
  latest: DashboardSample | null;
  /** Set when the server refused the subscription. */
  error: string | null;
}

/** Follows the `dashboard` channel of the tab's live socket while the page is shown. */
export function useDashboard(): DashboardState {
  const [state, setState] = useState<DashboardState>({ samples: [], latest: null, error: null });
  useEffect(
    () =>
      live.listen(
        'dashboard',
        { type: 'subscribe', channel: 'dashboard' },
        { type: 'unsubscribe', channel: 'dashboard' },
        (message) => {
          if (message.type === 'error') {
            setState((previous) => ({ ...previous, error: message.code }));
            return;
          }
          if (message.channel !== 'dashboard') return;
          setState((previous) => {
            const newest = message.samples.at(-1);
            // A reconnection sends the history again: keep one sample per time.
            const seen = new Set(previous.samples.map((sample) => sample.at));
            const merged = [...previous.samples, ...message.samples.filter((sample) => !seen.has(sample.at))];
            const cutoff = (newest?.at ?? Date.now()) - DASHBOARD_HISTORY_MS;
            return {
              samples: merged.filter((sample) => sample.at > cutoff),
              latest: newest ?? previous.latest,
              error: null,
            };
          });
        },
      ),
    [],
  );
  return state;
}
