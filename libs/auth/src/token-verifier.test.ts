import { SignJWT } from 'jose';
import { createSigningKey, mintToken, type SigningKey } from '@cec/dev-identity';
import { UnauthenticatedError } from '@cec/errors';
import { TokenVerifier, type TokenSettings } from './token-verifier';

const ISSUER = 'https://id.example';
const AUDIENCE = 'client-escalation-calls';

let key: SigningKey;
let verifier: TokenVerifier;
const settings = (overrides: Partial<TokenSettings> = {}): TokenSettings => ({
  keys: { jwks: key.jwks },
  issuer: ISSUER,
  audience: AUDIENCE,
  clockSkewSeconds: 0,
  ...overrides,
});
const token = (claims: { subject?: string; roles?: string[]; expiresInSeconds?: number; issuer?: string; audience?: string } = {}, with_ = key) =>
  mintToken(with_, { subject: 'ops@acme.example', roles: ['collections-operator'], issuer: ISSUER, audience: AUDIENCE, ...claims });
const reason = async (value: string): Promise<string> => {
  try {
    await verifier.verify(value);
  } catch (error) {
    expect(error).toBeInstanceOf(UnauthenticatedError);
    return (error as Error).message;
  }
  throw new Error('the token was accepted');
};

beforeAll(async () => {
  key = await createSigningKey();
  verifier = new TokenVerifier(settings());
});

afterEach(() => jest.useRealTimers());

describe('bearer tokens', () => {
  it('gives the subject and roles of a good token: a user, or an agent when it has the agent role', async () => {
    expect(await verifier.verify(await token())).toEqual({ subject: 'ops@acme.example', roles: ['collections-operator'], type: 'user' });
    expect(await verifier.verify(await token({ subject: 'a7f3', roles: ['agent'] }))).toEqual({ subject: 'a7f3', roles: ['agent'], type: 'agent' });
  });

  it('refuses an expired token, another audience, another issuer, another key, and says which', async () => {
    expect(await reason(await token({ expiresInSeconds: -60 }))).toMatch(/expired/);
    expect(await reason(await token({ audience: 'another' }))).toMatch(/another audience/);
    expect(await reason(await token({ issuer: 'https://evil.example' }))).toMatch(/another issuer/);
    expect(await reason(await token({}, await createSigningKey(key.kid)))).toMatch(/signature/);
    expect(await reason('not.a.token')).toMatch(/malformed|cannot be verified/);
  });

  it('refuses a token without roles, and one signed with a shared secret', async () => {
    const noRoles = await new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: key.kid }).setSubject('x').setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime('1h').sign(key.privateKey);
    expect(await reason(noRoles)).toMatch(/roles/);
    const hs = await new SignJWT({ roles: ['admin'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('x')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('a shared secret that anyone holding it could use'));
    expect(await reason(hs)).toMatch(/algorithm|signature|key/);
  });

  it('remembers a verified token only until it expires', async () => {
    const start = Date.now();
    jest.useFakeTimers({ now: start, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const local = new TokenVerifier(settings());
    const short = await token({ expiresInSeconds: 60 });
    await expect(Promise.resolve(local.verify(short))).resolves.toMatchObject({ subject: 'ops@acme.example' });
    // The second time is answered from memory, without a promise.
    expect(local.verify(short)).toMatchObject({ subject: 'ops@acme.example' });
    jest.setSystemTime(start + 61_000);
    await expect(Promise.resolve().then(() => local.verify(short))).rejects.toThrow(/expired/);
  });

  it('allows the configured clock skew on expiry', async () => {
    const lenient = new TokenVerifier(settings({ clockSkewSeconds: 120 }));
    await expect(Promise.resolve(lenient.verify(await token({ expiresInSeconds: -60 })))).resolves.toMatchObject({ type: 'user' });
  });
});
