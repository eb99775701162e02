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
