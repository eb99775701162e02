/**
 * The simulator's settings: each a command-line flag and an environment variable (the flag wins),
 * checked together with envalid, every bad one named.
 */
import { randomInt } from 'node:crypto';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { makeValidator } from 'envalid';
import { ConfigError, intInRange, portOrZero, readEnv, str } from '@cec/config';
import { workspaceRoot } from '@cec/db';
import type { LogLevel } from '@cec/observability';
import type { AuthMode } from './identity';
import type { SimulatorOptions } from './simulator';

const speed = makeValidator<number>((input) => {
  const n = Number(input);
  if (!Number.isFinite(n) || n < 0.01 || n > 1000) throw new Error(`must be a number from 0.01 to 1000, got "${input}"`);
  return n;
});
const agentCount = intInRange(0, 100);

/** flag → [variable, envalid spec]. */
const SETTINGS = {
  campaigns: ['SIMULATOR_CAMPAIGNS_ADDRESS', str({ default: '127.0.0.1:50052', desc: 'host:port of the campaigns service' })],
  compliance: ['SIMULATOR_COMPLIANCE_ADDRESS', str({ default: '127.0.0.1:50053', desc: 'host:port of the compliance service (opt-outs)' })],
  email: ['SIMULATOR_EMAIL_AGENTS', agentCount({ default: 2, desc: 'e-mail agents' })],
  sms: ['SIMULATOR_SMS_AGENTS', agentCount({ default: 1, desc: 'SMS agents' })],
  phone: ['SIMULATOR_PHONE_AGENTS', agentCount({ default: 2, desc: 'phone agents' })],
  research: ['SIMULATOR_RESEARCH_AGENTS', agentCount({ default: 1, desc: 'research agents (research, manual review, letters)' })],
  speed: ['SIMULATOR_SPEED', speed({ default: 1, desc: 'work goes this many times faster (work takes ~0.5-20 s at 1)' })],
  seed: ['SIMULATOR_SEED', intInRange(0, 2 ** 31 - 1)({ default: undefined, desc: 'the same seed gives each task the same outcome; default: a random one (logged)' })],
  'name-prefix': ['SIMULATOR_NAME_PREFIX', str({ default: 'sim', desc: 'agents are named <prefix>-<type>-<n>; a restart reuses them by name' })],
  lease: ['SIMULATOR_LEASE_SECONDS', intInRange(10, 3600)({ default: 30, desc: 'lease asked for each claimed task, seconds (extended while work goes on)' })],
  poll: ['SIMULATOR_POLL_MS', intInRange(100, 60_000)({ default: 2000, desc: 'wait after finding nothing to claim, ms (doubled per empty claim, up to 4 times this)' })],
  auth: ['SIMULATOR_AUTH', str({ choices: ['dev', 'tokens', 'none'], default: 'dev', desc: 'dev: identity folder; tokens: --ca and token files; none: plaintext' })],
  'identity-dir': ['SIMULATOR_IDENTITY_DIR', str({ default: '', desc: 'dev: the development identity folder (default .data/identity, what npm start writes)' })],
  ca: ['SIMULATOR_CA_FILE', str({ default: '', desc: "tokens: the deployment's CA certificate (PEM)" })],
  'operator-token-file': ['SIMULATOR_OPERATOR_TOKEN_FILE', str({ default: '', desc: 'tokens: a collections-operator token, to list and register the agents' })],
  'agent-token-dir': ['SIMULATOR_AGENT_TOKEN_DIR', str({ default: '', desc: 'tokens: <agent name>.token per agent (subject: the agent id, roles: agent)' })],
  'metrics-host': ['SIMULATOR_METRICS_HOST', str({ default: '127.0.0.1', desc: 'address of the /metrics endpoint' })],
  'metrics-port': ['SIMULATOR_METRICS_PORT', portOrZero({ default: 9459, desc: 'port of the /metrics endpoint (0: any free port)' })],
  'summary-every': ['SIMULATOR_SUMMARY_SECONDS', intInRange(0, 86_400)({ default: 60, desc: 'log a summary this often, seconds (0: only when stopping)' })],
  'log-level': ['LOG_LEVEL', str({ choices: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], default: 'info', desc: 'log level' })],
} as const;

type Flag = keyof typeof SETTINGS;

export function usage(): string {
  const lines = Object.entries(SETTINGS).map(([flag, [variable, spec]]) => {
    const s = spec as { desc?: string; default?: unknown };
    const def = s.default === undefined || s.default === '' ? '' : ` (default ${String(s.default)})`;
    return `  --${flag.padEnd(20)} ${variable.padEnd(30)} ${s.desc ?? ''}${def}`;
  });
  return [
    'usage: npm run simulate -- [flags]   (each flag also an environment variable; the flag wins)',
    '',
    'Simulated e-mail, SMS, phone and research agents: they register (or reuse their earlier',
    'registration by name), claim tasks, work on them and complete or fail them with realistic',
    'outcomes. Ctrl-C or SIGTERM: no more claims, what is held is finished, a summary, exit 0.',
    '',
    ...lines,
    '  --help',
  ].join('\n');
}

export type CliOptions = Omit<SimulatorOptions, 'logger' | 'onReady'> & { logLevel: LogLevel };

/** Reads flags and environment; throws ConfigError naming every bad setting, or returns undefined for --help. */
export function readOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): CliOptions | undefined {
  const { values } = parseArgs({
    args: argv,
    options: { ...Object.fromEntries(Object.keys(SETTINGS).map((flag) => [flag, { type: 'string' as const }])), help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
  if (values.help) return undefined;
  const merged: NodeJS.ProcessEnv = { ...env };
  for (const [flag, [variable]] of Object.entries(SETTINGS)) {
    const value = (values as Record<string, unknown>)[flag];
    if (typeof value === 'string') merged[variable] = value;
  }
  const specs = Object.fromEntries(Object.values(SETTINGS).map(([variable, spec]) => [variable, spec]));
  const nameOf = (variable: string): string => {
    const flag = Object.entries(SETTINGS).find(([, [v]]) => v === variable)?.[0];
    return flag ? `--${flag} / ${variable}` : variable;
  };
  let v: Record<string, unknown>;
  try {
    v = readEnv(specs, merged) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(Object.fromEntries(Object.entries(error.problems).map(([k, p]) => [nameOf(k), p])));
    throw error;
  }
  const get = <T>(flag: Flag): T => v[SETTINGS[flag][0]] as T;
  // npm run changes to the workspace's folder; paths are read from where the command was typed.
  const here = env.INIT_CWD ?? process.cwd();
  const path = (flag: Flag): string => (get<string>(flag) ? resolve(here, get<string>(flag)) : '');

  let auth: AuthMode;
  const kind = get<'dev' | 'tokens' | 'none'>('auth');
  if (kind === 'tokens') {
    const missing = (['ca', 'operator-token-file', 'agent-token-dir'] as const).filter((flag) => !get<string>(flag));
    if (missing.length) throw new ConfigError(Object.fromEntries(missing.map((flag) => [nameOf(SETTINGS[flag][0]), 'is required with --auth tokens'])));
    auth = { kind, caFile: path('ca'), operatorTokenFile: path('operator-token-file'), agentTokenDir: path('agent-token-dir') };
  } else if (kind === 'dev') {
    auth = { kind, identityDir: path('identity-dir') || join(workspaceRoot(), '.data', 'identity') };
  } else {
    auth = { kind };
  }

  return {
    campaignsAddress: get('campaigns'),
    complianceAddress: get('compliance'),
    agents: { email: get('email'), sms: get('sms'), phone: get('phone'), research: get('research') },
    namePrefix: get('name-prefix'),
    speed: get('speed'),
    seed: get<number | undefined>('seed') ?? randomInt(0, 2 ** 31 - 1),
    leaseSeconds: get('lease'),
    pollMs: get('poll'),
    auth,
    metrics: { host: get('metrics-host'), port: get('metrics-port') },
    summaryEverySeconds: get('summary-every'),
    logLevel: get('log-level'),
  };
}
