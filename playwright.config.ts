// End-to-end tests in Debian's Chromium against the production build, served
// by the same start command users run, on a fresh embedded database.
// Browsers are never downloaded: CHROMIUM_PATH (default /usr/bin/chromium).
import path from 'node:path';
import { defineConfig, devices } from '@playwright/test';

const port = Number(process.env.E2E_PORT ?? 3217);
const smtpPort = Number(process.env.E2E_SMTP_PORT ?? 3218);
// Next rewrites 127.0.0.1 to localhost in request URLs; cookies must match the origin used.
const baseURL = `http://localhost:${port}`;
const dataDir = path.resolve('.cache/e2e/data');
const serverLog = path.resolve('.cache/e2e/server.log');
const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const browser = { ...devices['Desktop Chrome'], launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: chromiumArgs } };

export default defineConfig({
  testDir: 'e2e',
  // e2e/post/ holds vitest checks that run after this suite (see scripts/test.ts).
  fullyParallel: true,
  workers: process.env.CI ? 2 : undefined,
  retries: 0,
  forbidOnly: !!process.env.CI,
  timeout: 60_000,
  // Key derivation (PBKDF2, 600 000 rounds) runs in the page; on a busy 2-core machine it takes seconds.
  expect: { timeout: 15_000 },
  reporter: [['list'], ['json']],
  outputDir: '.cache/e2e/results',
  use: {
    baseURL,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    // First-run set-up through the UI (with the token from the server log); everything else builds on it.
    { name: 'setup', testDir: 'e2e/setup', testMatch: /first-operator\.setup\.ts/, use: browser },
    { name: 'fixtures', testDir: 'e2e/setup', testMatch: /matrix-fixtures\.setup\.ts/, dependencies: ['setup'], use: browser },
    { name: 'chromium', testIgnore: [/setup\//, /post\//], dependencies: ['fixtures'], use: browser },
  ],
  webServer: [
    {
      // A real SMTP server that keeps every mail for the tests to read.
      command: 'node scripts/node.mjs e2e/support/mail-catcher.ts',
      port: smtpPort,
      reuseExistingServer: false,
      timeout: 30_000,
      env: { E2E_SMTP_PORT: String(smtpPort) },
    },
    {
      // The broker as users run it; its console output (with the setup token) goes to a file the set-up test reads.
      command: `rm -rf ${dataDir} && mkdir -p ${path.dirname(serverLog)} && node scripts/node.mjs scripts/start.ts > ${serverLog} 2>&1`,
      url: `${baseURL}/api/ready`,
      reuseExistingServer: false,
      timeout: 240_000,
      stdout: 'ignore',
      stderr: 'pipe',
      env: {
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        NODE_ENV: 'production',
        LOG_LEVEL: 'info',
        NEXT_TELEMETRY_DISABLED: '1',
        DATABASE_URL: '',
        // The suite starts from an empty broker and sets it up through the UI.
        DEMO_DATA: 'false',
        // Behind one trusted hop, as behind a load balancer: each test says its own client address
        // in X-Forwarded-For (e2e/fixtures/test.ts), so the per-address limits are not one shared budget.
        TRUST_PROXY: '1',
        SMTP_URL: `smtp://e2e:e2e@127.0.0.1:${smtpPort}?tls=insecure`,
        MAIL_FROM: 'CMK broker <broker@vendor.example>',
        // Notification digests (docs/notifications.md): read the audit trail every second, one mail a minute per admin at most.
        NOTIFY_INTERVAL_S: '1',
        NOTIFY_BATCH_WINDOW_S: '60',
      },
    },
  ],
});
