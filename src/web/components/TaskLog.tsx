import { Alert, Badge, Code, Group, Progress, ScrollArea, Stack, Text } from '@mantine/core';
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { TaskState } from '../../contract/tasks.js';
import type { FollowedTask } from '../lib/use-task.js';

const STATE_COLORS: Record<TaskState, string> = {
  queued: 'gray',
  running: 'blue',
  succeeded: 'teal',
  failed: 'red',
  cancelled: 'gray',
  interrupted: 'red',
};

/** A task as it runs: its state, progress and log, scrolled to the newest line. */
export function TaskLog({ title, followed }: { title: string; followed: FollowedTask }) {
  const { t } = useTranslation();
  const viewport = useRef<HTMLDivElement>(null);
  const { task, lines } = followed;
  useEffect(() => {
    viewport.current?.scrollTo({ top: viewport.current.scrollHeight });
  }, [lines.length]);
  return (
    <Stack gap="sm" data-testid="task-log">
      <Group justify="space-between">
        <Text fw={600}>{title}</Text>
        {task && <Badge color={STATE_COLORS[task.state]}>{t(`tasks.states.${task.state}`)}</Badge>}
      </Group>
      <Progress
        value={task?.progress ?? 0}
        animated={task?.state === 'running'}
        aria-label={t('tasks.progress')}
      />
      <ScrollArea h={260} viewportRef={viewport} type="auto">
        <Code block className="mono" aria-live="polite">
          {lines.length === 0 ? t('tasks.waiting') : lines.map((line) => line.line).join('\n')}
        </Code>
      </ScrollArea>
      {task?.error && (
        <Alert color="red" role="alert">
          {task.error}
        </Alert>
      )}
    </Stack>
  );
}
