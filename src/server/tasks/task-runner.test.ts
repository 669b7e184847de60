import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { DiwanError } from '../../contract/errors.js';
import type { TaskView } from '../../contract/tasks.js';
import { buildTestApp, tokenHeaders, type TestApp } from '../../../test/support/app.js';
import { pino } from 'pino';
import { createTaskRunner, ownerPrefix, type TaskContext } from './task-runner.js';
import { createTaskStore } from './task-store.js';

let testApp: TestApp | undefined;
afterEach(async () => {
  await testApp?.close();
  testApp = undefined;
});

/** A promise with its resolve function outside: lets a test hold a task mid-run. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

async function waitForState(app: TestApp, id: string, states: TaskView['state'][]): Promise<TaskView> {
  for (let i = 0; i < 200; i++) {
    const task = await app.tasks.get(id);
    if (task && states.includes(task.state)) return task;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`task ${id} never reached ${states.join('|')}`);
}

/** Waits until `context.signal` fires, then throws its reason, as an agent call would. */
function untilCancelled(context: TaskContext): Promise<never> {
  return new Promise((_resolve, reject) =>
    context.signal.addEventListener('abort', () => reject(context.signal.reason as Error)),
  );
}

describe('tasks', () => {
  it('runs a task, keeps its log in order and its result, and serves both over the API', async () => {
    testApp = await buildTestApp();
    const task = await testApp.tasks.submit({
      kind: 'test.work',
      title: 'Work',
      input: { what: 'lines' },
      createdBy: 'tester',
      run: async (context) => {
        context.log('Prepare', 'step');
        for (let i = 2; i <= 1500; i++) context.log(`line ${i}`, i % 2 ? 'stdout' : 'stderr');
        context.onAgentEvent({ kind: 'log', stream: 'step', line: 'Finish' });
        context.onAgentEvent({ kind: 'progress', percent: 40 });
        context.onAgentEvent({ kind: 'log', stream: 'info', line: 'from the agent' });
        return { answer: 42 };
      },
    });
    expect(task).toMatchObject({ state: 'queued', kind: 'test.work', createdBy: 'tester' });
    await testApp.tasks.idle();

    const headers = await tokenHeaders(testApp, 'read');
    const first = await testApp.app.inject({ url: `/api/v1/tasks/${task.id}`, headers });
    expect(first.statusCode).toBe(200);
    const body = first.json();
    expect(body.task).toMatchObject({
      state: 'succeeded',
      progress: 100,
      result: { answer: 42 },
      error: null,
      cancellable: false,
    });
    expect(body.task.startedAt).toBeGreaterThanOrEqual(body.task.createdAt);
    expect(body.log).toHaveLength(1000);
    expect(body.log[0]).toMatchObject({ seq: 1, stream: 'step', line: 'Prepare' });
    expect(body.log[1]).toMatchObject({ seq: 2, stream: 'stderr', line: 'line 2' });
    expect(body.nextAfter).toBe(1000);
    // The steps come whole with every page of the log: the first page already names the last step.
    expect(body.steps.map((step: { seq: number; name: string }) => [step.seq, step.name])).toEqual([
      [1, 'Prepare'],
      [1501, 'Finish'],
    ]);
    const rest = await testApp.app.inject({ url: `/api/v1/tasks/${task.id}?after=1000`, headers });
    expect(rest.json().log.map((line: { seq: number }) => line.seq)).toEqual(
      Array.from({ length: 502 }, (_, i) => 1001 + i),
    );
    expect(rest.json().log.at(-1)).toMatchObject({ stream: 'info', line: 'from the agent' });
    expect(rest.json().nextAfter).toBeNull();
  });

  it('records a failure with its message, and lists tasks by state and kind, page by page', async () => {
    testApp = await buildTestApp();
    const failed = await testApp.tasks.submit({
      kind: 'test.fail',
      title: 'Fails',
      input: {},
      createdBy: null,
      run: async () => {
        throw new DiwanError('DIWAN_E_CONFLICT', 'nginx -t said no');
      },
    });
    for (let i = 0; i < 3; i++) {
      testApp.clock.now += 1;
      await testApp.tasks.submit({
        kind: 'test.ok',
        title: `ok ${i}`,
        input: {},
        createdBy: null,
        run: async () => {},
      });
    }
    await testApp.tasks.idle();
    expect(await testApp.tasks.get(failed.id)).toMatchObject({ state: 'failed', error: 'nginx -t said no' });
    expect((await testApp.tasks.log(failed.id, 0, 10)).at(-1)).toMatchObject({
      stream: 'stderr',
      line: 'nginx -t said no',
    });

    const headers = await tokenHeaders(testApp, 'read');
    const list = async (query: string) =>
      (await testApp!.app.inject({ url: `/api/v1/tasks?${query}`, headers })).json();
    expect((await list('state=failed')).tasks.map((t: TaskView) => t.id)).toEqual([failed.id]);
    const page1 = await list('kind=test.ok&limit=2');
    expect(page1.tasks.map((t: TaskView) => t.title)).toEqual(['ok 2', 'ok 1']);
    const page2 = await list(`kind=test.ok&limit=2&before=${page1.nextBefore}`);
    expect(page2.tasks.map((t: TaskView) => t.title)).toEqual(['ok 0']);
    expect(page2.nextBefore).toBeNull();
    for (const bad of ['state=done', 'kind=Bad;Kind', 'before=1;drop', 'limit=0', 'limit=201']) {
      const response = await testApp.app.inject({ url: `/api/v1/tasks?${bad}`, headers });
      expect(response.statusCode, bad).toBe(400);
      expect(response.json().error.code).toBe('DIWAN_E_VALIDATION');
    }
    expect((await testApp.app.inject({ url: `/api/v1/tasks/${randomUUID()}`, headers })).statusCode).toBe(
      404,
    );
    expect((await testApp.app.inject({ url: '/api/v1/tasks/not-a-uuid', headers })).statusCode).toBe(400);
  });

  it('runs the tasks of one queue one at a time, in order', async () => {
    testApp = await buildTestApp();
    const events: string[] = [];
    const held = gate();
    const work = (name: string, wait?: Promise<void>) => async () => {
      events.push(`start ${name}`);
      await wait;
      events.push(`end ${name}`);
    };
    const first = await testApp.tasks.submit({
      kind: 'k',
      title: 'a',
      input: {},
      createdBy: null,
      queue: 'packages',
      run: work('a', held.opened),
    });
    const second = await testApp.tasks.submit({
      kind: 'k',
      title: 'b',
      input: {},
      createdBy: null,
      queue: 'packages',
      run: work('b'),
    });
    await testApp.tasks.submit({ kind: 'k', title: 'free', input: {}, createdBy: null, run: work('free') });
    await waitForState(testApp, first.id, ['running']);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await testApp.tasks.get(second.id))!.state).toBe('queued');
    held.open();
    await testApp.tasks.idle();
    expect(events.indexOf('start b')).toBeGreaterThan(events.indexOf('end a'));
    expect(events.indexOf('end free')).toBeLessThan(events.indexOf('end a'));
  });

  it('cancels a queued task and a cancellable running one; refuses the others', async () => {
    testApp = await buildTestApp();
    const held = gate();
    let queuedRan = false;
    const blocker = await testApp.tasks.submit({
      kind: 'k',
      title: 'apt',
      input: {},
      createdBy: null,
      queue: 'q',
      run: () => held.opened,
    });
    const queued = await testApp.tasks.submit({
      kind: 'k',
      title: 'next',
      input: {},
      createdBy: null,
      queue: 'q',
      run: async () => void (queuedRan = true),
    });
    const stoppable = await testApp.tasks.submit({
      kind: 'k',
      title: 'export',
      input: {},
      createdBy: null,
      cancellable: true,
      run: untilCancelled,
    });
    await waitForState(testApp, blocker.id, ['running']);
    await waitForState(testApp, stoppable.id, ['running']);

    const admin = await tokenHeaders(testApp, 'admin');
    const cancel = (id: string, headers = admin) =>
      testApp!.app.inject({ method: 'POST', url: `/api/v1/tasks/${id}/cancel`, headers });
    expect((await testApp.tasks.get(blocker.id))!.cancellable).toBe(false);
    const refused = await cancel(blocker.id);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('DIWAN_E_CONFLICT');
    expect((await cancel(queued.id, await tokenHeaders(testApp, 'read'))).statusCode).toBe(403);

    expect((await cancel(queued.id)).json()).toMatchObject({ state: 'cancelled', cancellable: false });
    expect((await cancel(stoppable.id)).json()).toMatchObject({ state: 'cancelled' });
    expect((await cancel(randomUUID())).statusCode).toBe(404);
    held.open();
    await testApp.tasks.idle();
    expect(queuedRan).toBe(false);
    expect((await testApp.tasks.get(blocker.id))!.state).toBe('succeeded');
    expect((await cancel(blocker.id)).statusCode).toBe(409);
    const audited = await testApp.services.audit.list({ action: 'task.cancel', limit: 10 });
    expect(audited.filter((entry) => entry.outcome === 'success')).toHaveLength(2);
  });

  it('marks interrupted, at start-up, the tasks of an instance that died, and its own when it stops', async () => {
    testApp = await buildTestApp();
    const db = testApp.panelDb.db;
    const base = {
      kind: 'k',
      title: 't',
      progress: 0,
      created_by: null,
      started_at: null,
      finished_at: null,
      error: null,
      input: '{}',
      result: null,
    };
    const now = testApp.clock.now;
    await db
      .insertInto('tasks')
      .values([
        {
          ...base,
          id: randomUUID(),
          state: 'running',
          created_at: now,
          owner: 'dead',
          heartbeat_at: now - 120_000,
        },
        { ...base, id: randomUUID(), state: 'queued', created_at: now, owner: 'dead', heartbeat_at: null },
        // Another instance that is alive: its task stays as it is.
        {
          ...base,
          id: randomUUID(),
          state: 'running',
          created_at: now,
          owner: 'alive',
          heartbeat_at: now - 1_000,
        },
      ])
      .execute();
    await testApp.app.ready();
    const states = await db
      .selectFrom('tasks')
      .select(['owner', 'state', 'error'])
      .orderBy('owner')
      .execute();
    expect(states.map((row) => [row.owner, row.state])).toEqual([
      ['alive', 'running'],
      ['dead', 'interrupted'],
      ['dead', 'interrupted'],
    ]);
    expect(states[1]!.error).toMatch(/stopped while this task ran/);

    // Restarted after a crash: the previous process of this instance (same host and address) beat
    // a second ago, yet it is gone; the new one marks its tasks at once. Other instances keep theirs.
    const instance = 'host 127.0.0.1:8686';
    const previous = `${ownerPrefix(instance)}${'0'.repeat(24)}`;
    await db
      .insertInto('tasks')
      .values({
        ...base,
        id: randomUUID(),
        state: 'running',
        created_at: now,
        owner: previous,
        heartbeat_at: now - 1_000,
      })
      .execute();
    const restarted = createTaskRunner({
      store: createTaskStore(db),
      events: testApp.services.events,
      logger: pino({ level: 'silent' }),
      now: () => now,
      instance,
    });
    const again = createTaskRunner({
      store: createTaskStore(db),
      events: testApp.services.events,
      logger: pino({ level: 'silent' }),
      now: () => now,
      instance: 'host 127.0.0.1:8687',
    });
    expect(await again.sweepStale()).toEqual([]); // another instance's process: left alone
    expect(await restarted.sweepStale()).toHaveLength(1);
    const after = await db.selectFrom('tasks').select(['state']).where('owner', '=', previous).execute();
    expect(after.map((row) => row.state)).toEqual(['interrupted']);
    expect(
      await db.selectFrom('tasks').select('state').where('owner', '=', 'alive').executeTakeFirst(),
    ).toEqual({ state: 'running' });
    await restarted.close(0);
    await again.close(0);

    const held = gate();
    const mine = await testApp.tasks.submit({
      kind: 'k',
      title: 'long',
      input: {},
      createdBy: null,
      run: () => held.opened,
    });
    await waitForState(testApp, mine.id, ['running']);
    await testApp.tasks.close(50);
    expect((await testApp.tasks.get(mine.id))!.state).toBe('interrupted');
    held.open();
  });
});
