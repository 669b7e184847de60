import { useQuery } from '@tanstack/react-query';
import { api, type SoftwareStatus, type Task } from '../../lib/api.js';

/** An install or uninstall followed on the page: the catalog entry it works on and its task. */
export interface PackageTask {
  id: string;
  /** The catalog name (`nginx`) and what the page calls it (`nginx`, `OpenSSH server`). */
  name: string;
  label: string;
  action: 'install' | 'uninstall';
}

const ACTIONS: Record<string, PackageTask['action']> = {
  'software.install': 'install',
  'software.uninstall': 'uninstall',
};

/**
 * The catalog entry a package task works on. The server titles them `<Verb> <name>[ <version>]`
 * (src/server/features/software/routes.ts); a title that names no catalog entry is not ours.
 */
export function packageTaskOf(task: Task, catalog: readonly SoftwareStatus[]): PackageTask | null {
  const action = ACTIONS[task.kind];
  const entry = catalog.find((item) => item.name === task.title.split(' ')[1]);
  return action && entry ? { id: task.id, name: entry.name, label: entry.label, action } : null;
}

/**
 * The package tasks queued or running when the page opened (a reload, another tab, another
 * administrator): the running one first, then the queue in its order. Asked once per visit, so that
 * a panel stays until it is closed even after its task is done.
 */
export function usePendingPackageTasks() {
  return useQuery({
    queryKey: ['software-tasks'],
    queryFn: async () => {
      const [running, queued] = await Promise.all([
        api.tasks({ state: 'running', limit: 200 }),
        api.tasks({ state: 'queued', limit: 200 }),
      ]);
      return [...running.tasks, ...queued.tasks.toReversed()].filter((task) => task.kind in ACTIONS);
    },
    staleTime: Infinity,
    refetchOnWindowFocus: false,
  });
}
