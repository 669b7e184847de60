import { Stack, Text, ThemeIcon } from '@mantine/core';
import { IconInbox } from '@tabler/icons-react';

/** What an empty list says instead of an empty table. */
export function EmptyState({ title, hint }: { title: string; hint?: string }) {
  return (
    <Stack align="center" gap={6} py="xl">
      <ThemeIcon variant="light" size={48} radius="xl" color="gray">
        <IconInbox size={26} aria-hidden />
      </ThemeIcon>
      <Text fw={600}>{title}</Text>
      {hint && (
        <Text size="sm" c="dimmed" ta="center" maw={420}>
          {hint}
        </Text>
      )}
    </Stack>
  );
}
