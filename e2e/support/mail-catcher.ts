// A real SMTP server for the end-to-end tests (started by Playwright as a
// second web server): every message the broker sends is written to
// .cache/e2e/mail/ as JSON, where tests read it.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';

const port = Number(process.env.E2E_SMTP_PORT ?? 3218);
const dir = path.resolve('.cache/e2e/mail');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
let count = 0;

const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  onAuth(_auth, _session, callback) {
    callback(null, { user: 'e2e' });
  },
  onData(stream, session, callback) {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const to = session.envelope.rcptTo.map((r) => r.address);
      count += 1;
      writeFileSync(path.join(dir, `${Date.now()}-${count}.json`), JSON.stringify({ to, raw }));
      callback();
    });
  },
});
server.listen(port, '127.0.0.1', () => console.log(`mail catcher on ${port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
