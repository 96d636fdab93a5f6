/** One root pino logger; rooms take children. Tokens and cookies are redacted wherever they appear. */
import pino, { type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'callgate' },
      redact: { paths: ['*.authorization', '*.cookie', '*.token', 'headers.authorization', 'headers.cookie'], censor: '[redacted]' },
    },
    destination ?? pino.destination({ fd: 2, sync: true }),
  );
}
