import { useEffect, useState } from 'react';
import type { TaskLogLine, TaskView } from '../../contract/tasks.js';
import { live } from './live.js';

export interface FollowedTask {
  task: TaskView | null;
  lines: TaskLogLine[];
}

/** A task's state and its log from the first line, live over the tab's socket (`task` channel). */
export function useTask(id: string | null): FollowedTask {
  const [state, setState] = useState<FollowedTask>({ task: null, lines: [] });
  useEffect(() => {
    if (!id) return;
    return live.listen(
      `task:${id}`,
      { type: 'subscribe', channel: 'task', id },
      { type: 'unsubscribe', channel: 'task', id },
      (message) => {
        if (message.type !== 'update' || message.channel !== 'task') return;
        const { update } = message;
        setState((previous) =>
          update.type === 'task'
            ? { ...previous, task: update.task }
            : { ...previous, lines: [...previous.lines, ...update.lines].slice(-2000) },
        );
      },
    );
  }, [id]);
  return id ? state : { task: null, lines: [] };
}
