import { Button, Card } from '@mantine/core';
import { useEffect, useEffectEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { TaskState } from '../../contract/tasks.js';
import { useTask } from '../lib/use-task.js';
import { TaskLog } from './TaskLog.js';

const FINISHED: ReadonlySet<TaskState> = new Set(['succeeded', 'failed', 'cancelled', 'interrupted']);

/** A task followed live; `onFinished` runs once with its final state, then a button closes it. */
export function TaskPanel({
  id,
  title,
  onFinished,
  onClose,
}: {
  id: string;
  title: string;
  onFinished: (state: TaskState) => void;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const followed = useTask(id);
  const state = followed.task?.state;
  const finished = state !== undefined && FINISHED.has(state);
  // The caller's function changes with each render; the effect runs once per final state.
  const finish = useEffectEvent((final: TaskState) => onFinished(final));
  useEffect(() => {
    if (finished && state) finish(state);
  }, [finished, state]);
  return (
    <Card withBorder>
      <TaskLog title={title} followed={followed} />
      {finished && (
        <Button mt="sm" variant="default" onClick={onClose} style={{ alignSelf: 'flex-start' }}>
          {t('software.closeTask')}
        </Button>
      )}
    </Card>
  );
}
