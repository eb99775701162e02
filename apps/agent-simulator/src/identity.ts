/**
 * Who the simulator is when it calls: the operator that registers its agents, and each agent.
 *
 * - `dev`: a development identity folder (what `npm start` writes, default .data/identity): TLS
 *   trusting its ca.pem, and tokens minted with its signing key: the operator's (roles
 *   collections-operator) and one per agent (subject: the agent's id, roles: agent).
 * - `tokens`: any other deployment: TLS trusting --ca, the operator's token read from a file,
 *   each agent's from <agent-token-dir>/<agent name>.token (read at each use, so renewed tokens
 *   are picked up). An agent without its file waits for it (its id is logged).
 * - `none`: plaintext, for a deployment without authentication (loopback tests): the actor is
 *   said in x-actor metadata.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { credentials, Metadata, type ChannelCredentials } from '@grpc/grpc-js';
import { DEV_AUDIENCE, DEV_ISSUER, loadSigningKey, mintToken, type SigningKey } from '@cec/dev-identity';
import { ACTOR } from '@cec/grpc';

/** The operator's subject in `dev` mode and in x-actor. */
export const SIMULATOR_OPERATOR = 'agent-simulator';
const OPERATOR_ROLES = ['collections-operator'];
const TOKEN_HOURS = 12;

export type AuthMode =
  | { kind: 'dev'; identityDir: string }
  | { kind: 'tokens'; caFile: string; operatorTokenFile: string; agentTokenDir: string }
  | { kind: 'none' };

export interface Identity {
  credentials: ChannelCredentials;
  /** Metadata of a call by the operator (RegisterAgent, ListAgents). */
  operator(): Promise<Metadata>;
  /** Metadata of a call by the agent; rejects with MissingTokenError when its token is not there (`tokens`). */
  agent(agent: { id: string; name: string }): Promise<Metadata>;
}

export class MissingTokenError extends Error {
  constructor(
    readonly file: string,
    agent: { id: string; name: string },
  ) {
    super(`no token for agent ${agent.name} (id ${agent.id}) in ${file}: write there a token whose subject is ${agent.id} and whose roles include agent`);
    this.name = 'MissingTokenError';
  }
}

function bearer(token: string): Metadata {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${token.trim()}`);
  return metadata;
}

function readToken(file: string): string | undefined {
  try {
    const token = readFileSync(file, 'utf8').trim();
    return token || undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Tokens minted with the development key, each kept until half its life is gone. */
function devTokens(key: SigningKey): (subject: string, roles: string[]) => Promise<string> {
  const minted = new Map<string, { token: string; renewAt: number }>();
  return async (subject, roles) => {
    const kept = minted.get(subject);
    if (kept && kept.renewAt > Date.now()) return kept.token;
    const token = await mintToken(key, { subject, roles, issuer: DEV_ISSUER, audience: DEV_AUDIENCE, expiresInSeconds: TOKEN_HOURS * 3600 });
    minted.set(subject, { token, renewAt: Date.now() + (TOKEN_HOURS / 2) * 3_600_000 });
    return token;
  };
}

export async function createIdentity(mode: AuthMode): Promise<Identity> {
  switch (mode.kind) {
    case 'none':
      return {
        credentials: credentials.createInsecure(),
        operator: async () => {
          const metadata = new Metadata();
          metadata.set(ACTOR, `user:${SIMULATOR_OPERATOR}`);
          return metadata;
        },
        agent: async ({ id }) => {
          const metadata = new Metadata();
          metadata.set(ACTOR, `agent:${id}`);
          return metadata;
        },
      };
    case 'dev': {
      const read = (name: string): string => {
        try {
          return readFileSync(join(mode.identityDir, name), 'utf8');
        } catch (error) {
          throw new Error(`cannot read ${name} of the development identity in ${mode.identityDir} (run npm start or npm run identity:dev first): ${(error as Error).message}`);
        }
      };
      const ca = read('ca.pem');
      const key = await loadSigningKey(JSON.parse(read('token-signing-key.jwk.json')));
      const token = devTokens(key);
      return {
        credentials: credentials.createSsl(Buffer.from(ca)),
        operator: async () => bearer(await token(SIMULATOR_OPERATOR, OPERATOR_ROLES)),
        agent: async ({ id }) => bearer(await token(id, ['agent'])),
      };
    }
    case 'tokens': {
      const ca = readFileSync(mode.caFile);
      return {
        credentials: credentials.createSsl(ca),
        operator: async () => {
          const token = readToken(mode.operatorTokenFile);
          if (!token) throw new Error(`the operator token file ${mode.operatorTokenFile} is missing or empty`);
          return bearer(token);
        },
        agent: async (agent) => {
          const file = join(mode.agentTokenDir, `${agent.name}.token`);
          const token = readToken(file);
          if (!token) throw new MissingTokenError(file, agent);
          return bearer(token);
        },
      };
    }
  }
}
