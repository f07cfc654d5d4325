// Lint rules. Beyond Next's recommended sets, three house rules are enforced
// here rather than by convention (docs/architecture.md):
//  1. every module under lib/server/ starts with `import 'server-only'`;
//  2. browser-side code (components/, lib/client/) never imports lib/server/,
//     the generated Prisma client or `server-only` modules;
//  3. `jose-v5` (an end-of-life jose line, installed only so that
//     bench/verify-cost.ts can measure it) is imported nowhere else;
//  4. Playwright specs take `test` from e2e/fixtures/test.ts, which gives each
//     test a client address of its own (the broker's limits are per address);
//  5. the proxy side (lib/tsp, lib/kms, lib/siem, lib/proxy-client) imports
//     nothing of Next.js, Prisma, lib/server or the test doubles in lib/testing.
//  6. the pages write dates in one format only: lib/client/dates.ts (and
//     components/ui/date-time.tsx) is the one module that formats a time for
//     people; toLocaleString, Intl.DateTimeFormat and the like are refused
//     everywhere else a page is made (components/, app/, lib/client/ and the
//     code they share). Mails and the CLI keep their own UTC stamps.
import nextVitals from 'eslint-config-next/core-web-vitals';
import nextTs from 'eslint-config-next/typescript';

const serverOnlyFirst = {
  meta: { type: 'problem', messages: { missing: "Files under lib/server/ must start with `import 'server-only';`." } },
  create(context) {
    return {
      Program(node) {
        const first = node.body.find((statement) => statement.type === 'ImportDeclaration');
        const firstStatement = node.body[0];
        const ok =
          first &&
          firstStatement === first &&
          first.source.value === 'server-only' &&
          first.specifiers.length === 0;
        if (!ok) context.report({ node, messageId: 'missing' });
      },
    };
  },
};

const SERVER_IMPORTS = [
  { group: ['@/lib/server', '@/lib/server/*', '**/lib/server/*'], message: 'Browser code must not import lib/server (server-only).' },
  { group: ['@/lib/generated/*', '**/generated/prisma/*'], message: 'The Prisma client is server-only; go through lib/server/dal.' },
  { group: ['server-only', 'node:*'], message: 'Browser code must not import server-only or Node built-ins.' },
];

const BENCH_ONLY = [{ group: ['jose-v5', 'jose-v5/*'], message: 'jose-v5 is end-of-life and only measured in bench/; use jose.' }];

const ONE_DATE_FORMAT = 'Dates on a page have one format, with the time zone: use formatDateTime or <DateTime> from lib/client/dates.ts and components/ui/date-time.tsx (numbers: Intl.NumberFormat).';
const DATE_FORMATTERS = [
  ...['toLocaleString', 'toLocaleDateString', 'toLocaleTimeString', 'toDateString', 'toTimeString', 'toUTCString', 'toGMTString'].map((property) => ({ property, message: ONE_DATE_FORMAT })),
  { object: 'Intl', property: 'DateTimeFormat', message: ONE_DATE_FORMAT },
  { object: 'Intl', property: 'RelativeTimeFormat', message: ONE_DATE_FORMAT },
];
/** Where pages are made: every file that may put a time on screen. */
const PAGE_FILES = ['components/**/*.{ts,tsx}', 'app/**/*.{ts,tsx}', 'lib/client/**/*.{ts,tsx}', 'lib/schemas/**/*.ts', 'lib/crypto/**/*.ts', 'lib/*.ts'];

const config = [
  {
    ignores: ['.next/**', 'node_modules/**', 'lib/generated/**', 'data/**', 'test-results/**', 'playwright-report/**', '.cache/**', 'next-env.d.ts'],
  },
  ...nextVitals,
  ...nextTs,
  {
    plugins: { house: { rules: { 'server-only-first': serverOnlyFirst } } },
    rules: {
      '@typescript-eslint/consistent-type-definitions': ['error', 'type'],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['lib/server/**/*.ts'],
    ignores: ['lib/server/**/*.test.ts'],
    rules: { 'house/server-only-first': 'error' },
  },
  {
    files: ['**/*.{ts,tsx,js,mjs}'],
    ignores: ['bench/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: BENCH_ONLY }] },
  },
  {
    files: ['components/**/*.{ts,tsx}', 'lib/client/**/*.{ts,tsx}', 'lib/schemas/**/*.ts', 'lib/crypto/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [...SERVER_IMPORTS, ...BENCH_ONLY] }] },
  },
  {
    files: PAGE_FILES,
    ignores: ['lib/client/dates.ts', '**/*.test.ts'],
    rules: { 'no-restricted-properties': ['error', ...DATE_FORMATTERS] },
  },
  {
    files: ['lib/tsp/**/*.ts', 'lib/kms/**/*.ts', 'lib/siem/**/*.ts', 'lib/proxy-client/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...SERVER_IMPORTS.filter((p) => !p.group.includes('node:*')),
            { group: ['next', 'next/*', 'react', 'react-dom', '@prisma/*', 'server-only'], message: 'The proxy side runs without Next.js, React or Prisma.' },
            { group: ['@/lib/testing', '@/lib/testing/*', '**/lib/testing/*'], message: 'Test doubles and helpers belong to tests, the demo and bench only.' },
            ...BENCH_ONLY,
          ],
        },
      ],
    },
  },
  {
    files: ['e2e/**/*.ts'],
    ignores: ['e2e/fixtures/test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: '@playwright/test', importNames: ['test'], message: "Import test from e2e/fixtures/test.ts: each test gets a client address of its own." }] },
      ],
    },
  },
];

export default config;
