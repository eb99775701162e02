import { ConfigError, num, port, readEnv, str, url } from './index';

const specs = {
  PORT: port({ default: 50051 }),
  DATABASE_URL: url({ default: undefined }),
  LOG_LEVEL: str({ choices: ['debug', 'info', 'warn', 'error'], default: 'info' }),
  GRACE_MS: num({ default: 10_000 }),
};

describe('readEnv', () => {
  it('applies defaults and treats empty strings as unset', () => {
    const env = readEnv(specs, { PORT: '', LOG_LEVEL: 'debug' });
    expect(env.PORT).toBe(50051);
    expect(env.LOG_LEVEL).toBe('debug');
    expect(env.DATABASE_URL).toBeUndefined();
  });

  it('parses typed values', () => {
    const env = readEnv(specs, { PORT: '6000', GRACE_MS: '250', DATABASE_URL: 'postgres://u@h:1/db' });
    expect(env).toMatchObject({ PORT: 6000, GRACE_MS: 250, DATABASE_URL: 'postgres://u@h:1/db' });
  });

  it('throws one error naming every bad variable', () => {
    let error: unknown;
    try {
      readEnv(specs, { PORT: 'seventy', LOG_LEVEL: 'loud', DATABASE_URL: 'not a url' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(Object.keys(problems).sort()).toEqual(['DATABASE_URL', 'LOG_LEVEL', 'PORT']);
    expect((error as Error).message).toMatch(/PORT: .*seventy/);
  });
});

describe('validators', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { intInRange, portOrZero } = require('./index') as typeof import('./index');

  it('accepts 0 as a port and rejects out-of-range ones', () => {
    expect(readEnv({ P: portOrZero() }, { P: '0' }).P).toBe(0);
    expect(readEnv({ P: portOrZero() }, { P: '50051' }).P).toBe(50051);
    expect(() => readEnv({ P: portOrZero() }, { P: '70000' })).toThrow(/P: must be a port number 0-65535, got "70000"/);
    expect(() => readEnv({ P: portOrZero() }, { P: '-1' })).toThrow(ConfigError);
  });

  it('bounds whole numbers', () => {
    expect(readEnv({ N: intInRange(1, 10)() }, { N: '10' }).N).toBe(10);
    expect(() => readEnv({ N: intInRange(1, 10)() }, { N: '11' })).toThrow(/N: must be a whole number from 1 to 10, got "11"/);
    expect(() => readEnv({ N: intInRange(1, 10)() }, { N: '2.5' })).toThrow(ConfigError);
  });
});
