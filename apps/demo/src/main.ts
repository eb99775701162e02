/**
 * `npm run demo`: the story of one overdue customer, told step by step against the running
 * system (`npm start` in another terminal). Addresses as the services take them
 * (CUSTOMERS_ADDRESS, CAMPAIGNS_ADDRESS, COMPLIANCE_ADDRESS; default this machine's default
 * ports), the development identity of `npm start` in .data/identity unless told otherwise.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { workspaceRoot } from '@cec/db';
import { peerAddressVariable } from '@cec/service-runtime';
import { devIdentity } from './identity';
import { runDemo, type DemoIdentity } from './scenario';

const USAGE = `usage: npm run demo [-- options]
  --identity-dir DIR      the development identity to use: its CA, and tokens signed by its key
                          (default .data/identity, what npm start writes)
  another deployment, with its own CA and tokens instead:
  --ca FILE               the CA certificate (PEM) the services' certificates are checked against
  --operator-token FILE   a token with the roles collections-operator and compliance-officer
  --agent-id ID           a registered e-mail agent...
  --agent-token FILE      ...and its token (role agent, subject its id)
  addresses: CUSTOMERS_ADDRESS, CAMPAIGNS_ADDRESS, COMPLIANCE_ADDRESS (host:port, default 127.0.0.1:5005x)`;

function fail(message: string): never {
  console.error(`demo: ${message}\n${USAGE}`);
  process.exit(2);
}

async function identityFrom(values: Record<string, string | boolean | undefined>): Promise<DemoIdentity> {
  // npm run changes to the workspace's folder; paths are from where the command was typed.
  const here = process.env.INIT_CWD ?? process.cwd();
  const path = (value: unknown) => resolve(here, String(value));
  const { ca, 'operator-token': operatorToken, 'agent-id': agentId, 'agent-token': agentToken } = values;
  if (!ca && !operatorToken && !agentId && !agentToken) {
    return devIdentity(values['identity-dir'] ? path(values['identity-dir']) : resolve(workspaceRoot(), '.data', 'identity'));
  }
  if (!ca || !operatorToken || !agentId || !agentToken) fail('--ca, --operator-token, --agent-id and --agent-token go together');
  const read = (file: unknown) => readFileSync(path(file), 'utf8').trim();
  return { caPem: Buffer.from(read(ca)), operatorToken: read(operatorToken), agent: { agentId: String(agentId), token: read(agentToken) } };
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        'identity-dir': { type: 'string' },
        ca: { type: 'string' },
        'operator-token': { type: 'string' },
        'agent-id': { type: 'string' },
        'agent-token': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }));
  } catch (error) {
    fail((error as Error).message);
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const address = (name: 'customers' | 'campaigns' | 'compliance') => {
    const variable = peerAddressVariable(name);
    return process.env[variable.name] || variable.defaultAddress;
  };
  const addresses = { customers: address('customers'), campaigns: address('campaigns'), compliance: address('compliance') };
  const identity = await identityFrom(values);
  console.log(`The story of one overdue customer (customers ${addresses.customers}, campaigns ${addresses.campaigns}, compliance ${addresses.compliance})\n`);
  const started = Date.now();
  const facts = await runDemo({ addresses, identity, say: (line) => console.log(line) });
  console.log(`\nDone in ${Math.round((Date.now() - started) / 1000)} s. See it yourself (campaign ${facts.campaignId}):`);
  console.log(
    `  npx buf curl --protocol grpc --cacert .data/identity/ca.pem -H "Authorization: Bearer $(cat .data/identity/operator.token)" \\\n` +
      `    -d '{"campaign_id": "${facts.campaignId}"}' https://${addresses.campaigns}/escalation.campaigns.v1.EscalationService/ListStepRuns`,
  );
}

main().catch((error: Error & { code?: number; details?: string }) => {
  const unavailable = error.code === 14;
  console.error(`demo: ${error.details ?? error.message}${unavailable ? '\n(is the system running? start it with `npm start` in another terminal)' : ''}`);
  process.exit(1);
});
