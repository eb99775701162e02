import { cleanEnv, type CleanedEnv } from 'envalid';

/** Thrown when the environment is invalid; the message names every bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: Record<string, string>) {
    super(
      `invalid configuration:\n${Object.entries(problems)
        .map(([name, problem]) => `  ${name}: ${problem}`)
        .join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}

/**
 * Validates the environment against envalid specs and returns the typed, frozen result.
 * Unlike envalid's default reporter it never exits the process: it throws one ConfigError
 * listing every variable that is missing or malformed, and the caller decides what to do.
 * Empty strings count as unset, so `FOO=` falls back to the default.
 */
export function readEnv<S extends object>(specs: S, env: NodeJS.ProcessEnv = process.env): CleanedEnv<S> {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  return cleanEnv(present, specs, {
    reporter: ({ errors }) => {
      const problems = Object.fromEntries(
        Object.entries(errors as Record<string, Error | undefined>)
          .filter(([, error]) => error)
          .map(([name, error]) => [name, (error as Error).message]),
      );
      if (Object.keys(problems).length > 0) throw new ConfigError(problems);
    },
  });
}
