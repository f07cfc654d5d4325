import { describe, expect, it } from 'vitest';
import { AppError } from './errors';
import { problemResponse, toAppError, toProblem, errorResponse } from './problem';
import { mapDatabaseError, registerUniqueIndexes } from './prisma-errors';

describe('problem+json', () => {
  it('renders an AppError per RFC 9457 with a stable code and the request id', async () => {
    const error = new AppError('validation_failed', { fields: [{ path: 'body.slug', message: 'Use lower case.' }] });
    const response = problemResponse(error, 'req-12345678');
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.headers.get('x-request-id')).toBe('req-12345678');
    expect(await response.json()).toEqual({
      type: 'urn:cmk-broker:problem:validation_failed',
      title: 'Bad Request',
      status: 400,
      detail: 'Some fields are not valid.',
      code: 'validation_failed',
      requestId: 'req-12345678',
      errors: [{ path: 'body.slug', message: 'Use lower case.' }],
    });
  });

  it('turns unknown errors into a generic 500 that echoes nothing', async () => {
    const response = errorResponse(new Error('SELECT secret FROM vault WHERE password = hunter2'), 'req-abcdefgh');
    expect(response.status).toBe(500);
    const body = await response.text();
    expect(body).not.toContain('hunter2');
    expect(JSON.parse(body)).toMatchObject({ code: 'internal', detail: 'Something went wrong on our side.', requestId: 'req-abcdefgh' });
  });

  it('adds Retry-After and WWW-Authenticate where they belong', () => {
    expect(problemResponse(new AppError('database_unavailable', { retryAfter: 2 }), 'r').headers.get('retry-after')).toBe('2');
    expect(problemResponse(new AppError('unauthenticated'), 'r').headers.get('www-authenticate')).toBe('Bearer');
  });

  it('keeps extension members but never lets them override the standard ones', () => {
    const problem = toProblem(new AppError('not_ready'), 'r', { status: 200, checks: { reachable: true } });
    expect(problem.status).toBe(503);
    expect(problem.checks).toEqual({ reachable: true });
  });
});

describe('database error mapping', () => {
  const driverError = (code: string, cause: Record<string, unknown>) =>
    Object.assign(new Error(`Invalid invocation: value 'canary-value'`), {
      name: 'PrismaClientKnownRequestError',
      code,
      meta: { modelName: 'Environment', driverAdapterError: { name: 'DriverAdapterError', cause } },
    });

  it('maps a unique violation to 409 naming the field, without the value', () => {
    const mapped = mapDatabaseError(driverError('P2002', { kind: 'UniqueConstraintViolation', constraint: { fields: ['display_name'] } }));
    expect(mapped).toMatchObject({ code: 'unique_violation', status: 409, fields: [{ path: 'displayName', message: 'This value is already taken.' }] });
    expect(mapped?.message).not.toContain('canary');
  });

  it('names the fields of a violation reported by index name (PostgreSQL driver)', () => {
    const byIndex = (index: string) => driverError('P2002', { kind: 'UniqueConstraintViolation', constraint: { index }, table: 'tenant' });
    expect(mapDatabaseError(byIndex('tenant_external_id_key'))?.fields).toEqual([{ path: 'externalId', message: 'This value is already taken.' }]);
    registerUniqueIndexes(new Map([['tenant_env_slug_uq', ['environment_id', 'slug']]]));
    expect(mapDatabaseError(byIndex('tenant_env_slug_uq'))?.fields.map((f) => f.path)).toEqual(['environmentId', 'slug']);
    expect(mapDatabaseError(byIndex('something_else'))?.fields).toEqual([]);
  });

  it('maps record-not-found to 404 and foreign-key failures to 409', () => {
    expect(mapDatabaseError(Object.assign(new Error('x'), { code: 'P2025' }))?.status).toBe(404);
    expect(mapDatabaseError(Object.assign(new Error('x'), { code: 'P2003' }))?.code).toBe('conflict');
  });

  it('maps a lost or refused database to 503', () => {
    expect(mapDatabaseError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))?.code).toBe('database_unavailable');
    expect(mapDatabaseError(driverError('P2010', { kind: 'postgres', originalCode: '57P01' }))?.status).toBe(503);
    expect(mapDatabaseError(new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })]))?.status).toBe(503);
    expect(mapDatabaseError({ name: 'PrismaClientInitializationError' })?.status).toBe(503);
  });

  it('leaves other errors to the generic path', () => {
    expect(mapDatabaseError(new TypeError('x'))).toBeUndefined();
    expect(toAppError(new TypeError('x')).code).toBe('internal');
  });
});
