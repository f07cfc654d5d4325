// Unit tests run anywhere; integration tests run once per database backend
// (npm test starts the PostgreSQL cluster and sets TEST_PG_ADMIN_URL).
import path from 'node:path';
import { defineConfig } from 'vitest/config';

const root = import.meta.dirname;
const alias = {
  '@': root,
  'server-only': path.join(root, 'node_modules/server-only/empty.js'),
};

// next-auth imports `next/server` without an extension; inlining lets Vite resolve it.
const server = { deps: { inline: ['next-auth', '@auth/core'] } };

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'unit',
          server,
          environment: 'node',
          include: ['lib/**/*.test.ts', 'components/**/*.test.ts', 'scripts/**/*.test.ts', 'bench/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', 'node_modules/**'],
          env: { LOG_LEVEL: 'silent' },
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'integration-pglite',
          server,
          environment: 'node',
          include: ['lib/**/*.int.test.ts'],
          env: { TEST_DATABASE: 'pglite', LOG_LEVEL: 'silent' },
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'integration-postgresql',
          server,
          environment: 'node',
          include: ['lib/**/*.int.test.ts'],
          env: { TEST_DATABASE: 'postgresql', LOG_LEVEL: 'silent' },
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'post-e2e',
          server,
          environment: 'node',
          include: ['e2e/post/*.test.ts'],
          env: { LOG_LEVEL: 'silent' },
          testTimeout: 60_000,
        },
      },
    ],
  },
});
