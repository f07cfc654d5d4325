import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, isSecretFieldName, REDACTED, redactSecrets } from './log';

const CANARY = 'canary-7f3a9c-secret-value';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(String(chunk));
      callback();
    },
  });
  return { logger: createLogger({ level: 'trace', destination }), lines };
}

describe('log redaction', () => {
  it('masks secret-looking fields at any depth, in arrays and in errors', () => {
    const { logger, lines } = capture();
    const error = Object.assign(new Error('boom'), { code: 'E_X', cause: { apiKey: CANARY } });
    logger.info(
      {
        req: { headers: { authorization: `Bearer ${CANARY}`, cookie: `session=${CANARY}`, accept: 'text/html' } },
        body: { config: { settings: { clientSecret: CANARY, region: 'eu-west-1' } }, items: [{ password: CANARY }, { passphrase: CANARY }] },
        privateJwk: { kty: 'EC', d: CANARY },
        wrapKey: CANARY,
        authKey: CANARY,
        totpCode: CANARY,
        recoveryCodes: [CANARY],
        err: error,
      },
      'request',
    );
    expect(lines).toHaveLength(1);
    const line = lines[0] ?? '';
    expect(line).not.toContain(CANARY);
    type Logged = {
      req: { headers: Record<string, string> };
      body: { config: { settings: Record<string, string> } };
      err: Record<string, unknown>;
    };
    const parsed = JSON.parse(line) as Logged;
    expect(parsed.req.headers.authorization).toBe(REDACTED);
    expect(parsed.req.headers.accept).toBe('text/html');
    expect(parsed.body.config.settings).toEqual({ clientSecret: REDACTED, region: 'eu-west-1' });
    expect(parsed.err).toMatchObject({ name: 'Error', code: 'E_X', message: 'boom', cause: { apiKey: REDACTED } });
  });

  it('keeps ordinary fields', () => {
    expect(redactSecrets({ requestId: 'r1', status: 200, tenantId: 'acme', keyId: 'kid-1', footprint: 'x' })).toEqual({
      requestId: 'r1',
      status: 200,
      tenantId: 'acme',
      keyId: 'kid-1',
      footprint: 'x',
    });
  });

  it('survives cycles and very deep objects', () => {
    const a: Record<string, unknown> = { name: 'a' };
    a.self = a;
    let deep: Record<string, unknown> = { token: CANARY };
    for (let i = 0; i < 20; i++) deep = { next: deep };
    const out = JSON.stringify(redactSecrets({ a, deep }));
    expect(out).toContain('[circular]');
    expect(out).not.toContain(CANARY);
  });

  it.each(['password', 'newPassphrase', 'client_secret', 'x-api-key', 'apiKey', 'privateKey', 'sessionToken', 'Authorization', 'set-cookie', 'masterKey', 'keyEncryptionKey', 'd', 'jwe', 'otp'])(
    'treats %s as secret',
    (name) => expect(isSecretFieldName(name)).toBe(true),
  );
});
