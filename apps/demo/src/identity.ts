import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEV_AUDIENCE, DEV_ISSUER, loadSigningKey, mintToken } from '@cec/dev-identity';
import type { DemoIdentity } from './scenario';

/** Who the demo acts as on `npm start`'s system: the roles of its demo operator (libs/service-runtime/scripts/dev-identity.ts). */
export const DEMO_OPERATOR = { subject: 'demo-operator', roles: ['collections-operator', 'compliance-officer'] };

/** One hour is plenty for a demo that takes a minute or two. */
const TOKEN_SECONDS = 3600;

/**
 * The development identity in `dir` (what `npm start` and `npm run identity:dev` write): its CA,
 * and tokens signed by its key for the demo operator and, once registered, the demo's agent.
 */
export async function devIdentity(dir: string): Promise<DemoIdentity> {
  const caFile = join(dir, 'ca.pem');
  const keyFile = join(dir, 'token-signing-key.jwk.json');
  for (const file of [caFile, keyFile]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: start the system with \`npm start\` first (it writes the development identity there)`);
  }
  const key = await loadSigningKey(JSON.parse(readFileSync(keyFile, 'utf8')));
  const mint = (subject: string, roles: string[]) => mintToken(key, { subject, roles, issuer: DEV_ISSUER, audience: DEV_AUDIENCE, expiresInSeconds: TOKEN_SECONDS });
  return {
    caPem: readFileSync(caFile),
    operatorToken: await mint(DEMO_OPERATOR.subject, DEMO_OPERATOR.roles),
    agent: { mint: (agentId) => mint(agentId, ['agent']) },
  };
}
