import { chownSync, existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { describeForEachDialect } from '../../../test/support/databases.js';
import type { DatabaseConfig } from '../config/types.js';
import { openPanelDb } from './connection.js';
import type { PanelDb } from './connection.js';
import { parseDatabaseUrl } from './url.js';

const poolSize = 3;

function configOf(url: string, size = poolSize): DatabaseConfig {
  const parsed = parseDatabaseUrl(url, { dataDir: tmpdir(), poolSize: size });
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.value;
}

describeForEachDialect(
  'openPanelDb',
  (suite) => {
    let panel: PanelDb;
    beforeAll(() => {
      panel = openPanelDb(suite.config());
    });
    afterAll(async () => {
      await panel?.close();
    });

    it('answers ping and reports its dialect', async () => {
      await expect(panel.ping()).resolves.toBeUndefined();
      expect(panel.dialect).toBe(suite.dialect);
    });

    it('reports the configured pool size as max (sqlite: one connection)', () => {
      expect(panel.poolStats().max).toBe(suite.dialect === 'sqlite' ? 1 : poolSize);
    });

    // SQLite is one embedded connection: there is no pool to fill, so the test exists for servers only.
    (suite.dialect === 'sqlite' ? () => undefined : it)(
      'opens connections as concurrent queries need them, up to max',
      async () => {
        // Hold every connection at once, then ask for one more: the pool is full and the extra waits.
        let release!: () => void;
        const released = new Promise<void>((resolve) => (release = resolve));
        let acquired = 0;
        let allAcquired!: () => void;
        const full = new Promise<void>((resolve) => (allAcquired = resolve));
        const holders = Array.from({ length: poolSize }, () =>
          panel.db.connection().execute(async (conn) => {
            await sql`select 1`.execute(conn);
            if (++acquired === poolSize) allAcquired();
            await released;
          }),
        );
        await full;
        expect(panel.poolStats()).toMatchObject({ max: poolSize, total: poolSize, idle: 0 });

        const extra = sql`select 1`.execute(panel.db);
        await vi.waitFor(() => expect(panel.poolStats().waiting).toBe(1));

        release();
        await Promise.all([...holders, extra]);
        expect(panel.poolStats()).toMatchObject({ total: poolSize, idle: poolSize, waiting: 0 });
      },
    );

    it('reads BIGINT and count(*) as JS numbers', async () => {
      const big = Number.MAX_SAFE_INTEGER;
      // MySQL spells the cast SIGNED; the other two accept BIGINT.
      const type = sql.raw(suite.dialect === 'mysql' ? 'signed' : 'bigint');
      const result = await sql<{
        big: unknown;
        n: unknown;
      }>`select cast(${big} as ${type}) as big, count(*) as n from (select 1 as x) t`.execute(panel.db);
      expect(result.rows).toEqual([{ big, n: 1 }]);
    });

    // Registered on MySQL only (a test skipped in CI counts as a defect, so none is declared elsewhere).
    if (suite.dialect === 'mysql') {
      it('puts every MySQL connection in strict mode', async () => {
        const result = await sql<{ mode: string }>`select @@session.sql_mode as mode`.execute(panel.db);
        expect(result.rows[0]?.mode.split(',')).toContain('STRICT_ALL_TABLES');
      });
    }
  },
  { poolSize },
);

describe('openPanelDb: sqlite', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'diwan-conn-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('turns on WAL, foreign keys and a busy timeout', async () => {
    const panel = openPanelDb(configOf(`sqlite:${path.join(dir, 'panel.db')}`));
    try {
      const pragma = async (name: string) =>
        Object.values(
          (await sql.raw<Record<string, unknown>>(`pragma ${name}`).execute(panel.db)).rows[0] ?? {},
        )[0];
      expect(await pragma('journal_mode')).toBe('wal');
      expect(await pragma('foreign_keys')).toBe(1);
      expect(await pragma('busy_timeout')).toBe(5000);
    } finally {
      await panel.close();
    }
  });

  // The agent (root) and the web tier (diwan) share the SQLite file: if root made -wal and -shm as its
  // own, the web tier could no longer write. SQLite's unix VFS gives them the database's owner when
  // it runs as root; this guards that the driver keeps doing so.
  it("leaves the files SQLite makes beside the database to the database's owner when root opens it", async () => {
    expect(process.getuid?.(), 'this test needs root, as the agent has').toBe(0);
    const file = path.join(dir, 'owned.db');
    const web = openPanelDb(configOf(`sqlite:${file}`));
    await sql`create table t (x integer)`.execute(web.db);
    await web.close(); // the last connection: SQLite removes -wal and -shm
    chownSync(file, 65534, 65534); // the web tier's user owns its database
    expect(existsSync(`${file}-wal`)).toBe(false);
    const agent = openPanelDb(configOf(`sqlite:${file}`)); // root opens it first, as the agent may
    try {
      await sql`insert into t values (1)`.execute(agent.db);
      for (const sidecar of [`${file}-wal`, `${file}-shm`]) {
        expect(statSync(sidecar), sidecar).toMatchObject({ uid: 65534, gid: 65534 });
      }
    } finally {
      await agent.close();
    }
  });

  it('does not create a missing directory (the caller owns the data dir)', () => {
    const missing = path.join(dir, 'missing', 'panel.db');
    expect(() => openPanelDb(configOf(`sqlite:${missing}`))).toThrow();
    expect(existsSync(path.dirname(missing))).toBe(false);
  });

  it('closes once, even when asked twice', async () => {
    const panel = openPanelDb(configOf('sqlite::memory:'));
    await panel.close();
    await expect(panel.close()).resolves.toBeUndefined();
    expect(panel.poolStats().total).toBe(0);
    await expect(panel.ping()).rejects.toThrow();
  });

  it('refuses a pool size below one', () => {
    expect(() => openPanelDb({ ...configOf('sqlite::memory:'), poolSize: 0 })).toThrow(RangeError);
  });
});

describe('openPanelDb: unreachable servers', () => {
  let closedPort: number;
  beforeAll(async () => {
    // A port that was just free: nothing listens there.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closedPort = (server.address() as { port: number }).port;
    await new Promise((resolve) => server.close(resolve));
  });

  it.each(['mysql', 'postgres'])(
    '%s: opens without connecting, and ping rejects within seconds',
    async (scheme) => {
      const panel = openPanelDb(configOf(`${scheme}://diwan:pw@127.0.0.1:${closedPort}/panel`));
      try {
        expect(panel.poolStats()).toMatchObject({ total: 0, idle: 0, waiting: 0 });
        const started = Date.now();
        await expect(panel.ping()).rejects.toThrow();
        expect(Date.now() - started).toBeLessThan(8_000);
      } finally {
        await panel.close();
      }
    },
  );

  it('ping gives up on a server that accepts connections but never answers', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const panels = ['mysql', 'postgres'].map((scheme) =>
      openPanelDb(configOf(`${scheme}://diwan:pw@127.0.0.1:${port}/panel`)),
    );
    try {
      const started = Date.now();
      const outcomes = await Promise.allSettled(panels.map((panel) => panel.ping()));
      expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
      expect(Date.now() - started).toBeLessThan(9_000);
    } finally {
      await Promise.all(panels.map((panel) => panel.close()));
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describe('openPanelDb: driver settings stay per pool', () => {
  it('leaves pg.types alone: other pg users still get int8 as strings', () => {
    const panel = openPanelDb(configOf('postgres://diwan:pw@127.0.0.1:1/panel'));
    try {
      expect(pg.types.getTypeParser(20, 'text')('42')).toBe('42');
    } finally {
      void panel.close();
    }
  });
});
