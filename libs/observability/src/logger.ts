import pino, { type Logger } from 'pino';

export type { Logger };

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

/**
 * JSON lines on stdout: {"level":"info","time":"...","service":"customers","msg":"..."}.
 * Contact data never belongs in a log line; as a second line of defence any field named
 * email, phone, contact_name or address is replaced by "[redacted]" wherever it appears.
 */
export function createLogger(service: string, level: LogLevel = 'info', destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: [
          'email', '*.email', '*.*.email', 'phone', '*.phone', '*.*.phone',
          'contactName', '*.contactName', 'contact_name', '*.contact_name', 'address', '*.address',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
