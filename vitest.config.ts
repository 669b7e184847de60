import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// The app-level tests (everything built on buildTestApp) run again with the panel database on
// MariaDB and on PostgreSQL; the database layer's own tests already cover all three dialects inside.
const appLevelTests = [
  'src/server/features/**/*.test.ts',
  'src/server/http/**/*.test.ts',
  'src/server/auth/**/*.test.ts',
  'src/server/tasks/**/*.test.ts',
  'src/server/start.test.ts',
];
// Same servers and overrides as test/support/databases.ts; the database in the URL is only a name
// prefix: each test makes its own database and drops it.
const serverDialects = {
  mysql: process.env.DIWAN_TEST_MYSQL_URL || 'mysql://root@localhost/diwan?socket=/run/mysqld/mysqld.sock',
  postgres: process.env.DIWAN_TEST_POSTGRES_URL || 'postgres://root@localhost/diwan?host=/var/run/postgresql',
};

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: { name: 'sqlite', include: ['src/**/*.test.ts', 'test/**/*.test.ts'], exclude: ['src/web/**'] },
      },
      // The SPA's own tests: components in a DOM (happy-dom), queried by role as a user finds them.
      {
        extends: true,
        plugins: [react()],
        test: {
          name: 'web',
          include: ['src/web/**/*.test.{ts,tsx}'],
          environment: 'happy-dom',
          setupFiles: ['src/web/test/setup.ts'],
        },
      },
      ...Object.entries(serverDialects).map(([name, url]) => ({
        extends: true as const,
        test: { name, include: appLevelTests, env: { DIWAN_DATABASE_URL: url } },
      })),
    ],
  },
});
