import { Group, Stack, Text } from '@mantine/core';

/** Label and value pairs, one a line; values in the monospace font (paths, versions, addresses). */
export function FactLines({ facts }: { facts: readonly (readonly [string, string])[] }) {
  return (
    <Stack gap={6}>
      {facts.map(([label, value]) => (
        <Group key={label} gap="xs">
          <Text fw={600} size="sm">
            {label}
          </Text>
          <Text size="sm" className="mono">
            {value}
          </Text>
        </Group>
      ))}
    </Stack>
  );
}
