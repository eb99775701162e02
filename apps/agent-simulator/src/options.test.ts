import { ConfigError } from '@cec/config';
import { readOptions } from './options';

describe('the simulator options', () => {
  it('has defaults for a local npm start, the dev identity under the repository', () => {
    const options = readOptions([], {});
    expect(options).toMatchObject({
      campaignsAddress: '127.0.0.1:50052',
      complianceAddress: '127.0.0.1:50053',
      agents: { email: 2, sms: 1, phone: 2, research: 1 },
      namePrefix: 'sim',
      speed: 1,
      leaseSeconds: 30,
      metrics: { host: '127.0.0.1', port: 9459 },
    });
    expect(options?.auth).toEqual({ kind: 'dev', identityDir: expect.stringMatching(/\.data\/identity$/) });
    expect(Number.isInteger(options?.seed)).toBe(true);
  });

  it('takes each setting from its variable, and the flag over the variable', () => {
    const options = readOptions(['--sms', '4', '--seed', '9'], { SIMULATOR_SMS_AGENTS: '3', SIMULATOR_PHONE_AGENTS: '0', SIMULATOR_SPEED: '2.5', SIMULATOR_AUTH: 'none' });
    expect(options).toMatchObject({ agents: { email: 2, sms: 4, phone: 0, research: 1 }, speed: 2.5, seed: 9, auth: { kind: 'none' } });
  });

  it('reads paths from where the command was typed (npm run changes the folder)', () => {
    const options = readOptions(['--auth', 'tokens', '--ca', 'ca.pem', '--operator-token-file', 'op.token', '--agent-token-dir', 'agents'], { INIT_CWD: '/srv/deploy' });
    expect(options?.auth).toEqual({ kind: 'tokens', caFile: '/srv/deploy/ca.pem', operatorTokenFile: '/srv/deploy/op.token', agentTokenDir: '/srv/deploy/agents' });
  });

  it('names every bad setting by flag and variable', () => {
    let error: unknown;
    try {
      readOptions(['--lease', '5', '--auth', 'magic'], { SIMULATOR_RESEARCH_AGENTS: 'many' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(Object.keys((error as ConfigError).problems).sort()).toEqual([
      '--auth / SIMULATOR_AUTH',
      '--lease / SIMULATOR_LEASE_SECONDS',
      '--research / SIMULATOR_RESEARCH_AGENTS',
    ]);
    expect(() => readOptions(['--auth', 'tokens', '--ca', 'ca.pem'], {})).toThrow(/--operator-token-file \/ SIMULATOR_OPERATOR_TOKEN_FILE: is required with --auth tokens/);
    expect(() => readOptions(['--nonsense'], {})).toThrow(/Unknown option '--nonsense'/);
  });

  it('answers undefined for --help', () => {
    expect(readOptions(['--help'], {})).toBeUndefined();
  });
});
