import { Radio, Stack, TextInput } from '@mantine/core';
import { useTranslation } from 'react-i18next';

export type HostsChoice = 'local' | 'list' | 'anywhere';
export interface HostsDraft {
  choice: HostsChoice;
  /** The listed addresses as typed: separated by spaces or commas. */
  list: string;
}

/** A MariaDB user's hosts as the form shows them: this server only, listed addresses, or anywhere. */
export function hostsDraftOf(hosts: readonly string[]): HostsDraft {
  if (hosts.length === 1 && hosts[0] === 'localhost') return { choice: 'local', list: '' };
  if (hosts.length === 1 && hosts[0] === '%') return { choice: 'anywhere', list: '' };
  return { choice: 'list', list: hosts.join(', ') };
}

/** What the API takes; the server checks each address and names the one it refuses. */
export function hostsOf(draft: HostsDraft): string[] {
  if (draft.choice === 'local') return ['localhost'];
  if (draft.choice === 'anywhere') return ['%'];
  return draft.list.split(/[\s,]+/).filter((host) => host !== '');
}

export function HostsField({
  value,
  onChange,
  error,
}: {
  value: HostsDraft;
  onChange: (draft: HostsDraft) => void;
  error?: string | undefined;
}) {
  const { t } = useTranslation();
  return (
    <Stack gap="xs">
      <Radio.Group
        label={t('databases.hosts.label')}
        value={value.choice}
        onChange={(choice) => onChange({ ...value, choice: choice as HostsChoice })}
        error={value.choice === 'list' ? undefined : error}
      >
        <Stack gap={6} mt={6}>
          <Radio value="local" label={t('databases.hosts.local')} />
          <Radio value="list" label={t('databases.hosts.list')} />
          <Radio value="anywhere" label={t('databases.hosts.anywhere')} />
        </Stack>
      </Radio.Group>
      {value.choice === 'list' && (
        <TextInput
          label={t('databases.hosts.addresses')}
          description={t('databases.hosts.addressesHint')}
          className="mono"
          required
          value={value.list}
          onChange={(event) => onChange({ ...value, list: event.currentTarget.value })}
          error={error}
        />
      )}
    </Stack>
  );
}
