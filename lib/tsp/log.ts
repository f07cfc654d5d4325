// The TSP's structured JSON logs (pino, one line per event). What is logged
// is built by this service from names, codes and ids — never a request body,
// a key, an EDEK or a credential — and the Authorization header is redacted
// should anything ever pass one in.
import pino from 'pino';

export type TTspLogger = {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
};

export function createTspLogger(level = process.env.LOG_LEVEL ?? 'info', destination?: pino.DestinationStream): TTspLogger {
  const logger = pino(
    { level, base: { service: 'cmk-tsp' }, redact: { paths: ['authorization', 'headers.authorization', 'apiKey'], censor: '[redacted]' } },
    destination,
  );
  return {
    info: (fields, message) => logger.info(fields, message),
    warn: (fields, message) => logger.warn(fields, message),
    error: (fields, message) => logger.error(fields, message),
  };
}

export const SILENT_LOGGER: TTspLogger = { info: () => {}, warn: () => {}, error: () => {} };
