// The TSP's structured JSON logs (pino, one line per event). What is logged
// is built by this service from names, codes and ids — never a request body,
// a key, an EDEK or a credential — and the Authorization header is redacted
// should anything ever pass one in.
//
// Lines go to stdout asynchronously: a request never waits on a write(2), so
// a slow log reader (a full pipe, a busy log driver) cannot stall the event
// loop. flush() writes what is buffered synchronously; the TSP calls it when
// it stops, and pino does it on the process's exit too, so a graceful
// shutdown loses no line.
import pino from 'pino';

export type TTspLogger = {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
  /** Writes every buffered line now (synchronously). */
  flush?(): void;
};

export function createTspLogger(level = process.env.LOG_LEVEL ?? 'info', destination?: pino.DestinationStream): TTspLogger {
  const stream = destination ?? pino.destination({ dest: 1, sync: false });
  const logger = pino({ level, base: { service: 'cmk-tsp' }, redact: { paths: ['authorization', 'headers.authorization', 'apiKey'], censor: '[redacted]' } }, stream);
  return {
    info: (fields, message) => logger.info(fields, message),
    warn: (fields, message) => logger.warn(fields, message),
    error: (fields, message) => logger.error(fields, message),
    flush: () => {
      try {
        (stream as { flushSync?: () => void }).flushSync?.();
      } catch {
        // Not open yet, or stdout is gone (EPIPE): nothing more can be written.
      }
    },
  };
}

export const SILENT_LOGGER: TTspLogger = { info: () => {}, warn: () => {}, error: () => {} };
