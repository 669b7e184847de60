import type { TFunction } from 'i18next';

/** Written by the agent when it refuses a call without a valid credential: `agent.<operation>`. */
const AGENT_REFUSAL = 'agent.';

/**
 * An audit entry's action in words: its own label (`audit.actions`), or for a call the agent refused,
 * one sentence naming the operation; an action without words (from a newer server) shows as it is.
 */
export function auditActionLabel(t: TFunction, action: string): string {
  const own = t(`audit.actions.${action}`, { defaultValue: '' });
  if (own) return own;
  if (action.startsWith(AGENT_REFUSAL))
    return t('audit.agentRefused', { operation: action.slice(AGENT_REFUSAL.length) });
  return action;
}
