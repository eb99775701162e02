import { exportJWK, generateKeyPair, importJWK, SignJWT, type JSONWebKeySet, type JWK, type KeyLike } from 'jose';

/** A key that signs development tokens, and the JWKS that services verify them with. */
export interface SigningKey {
  privateKey: KeyLike;
  /** The private key as a JWK, to keep on disk between starts. */
  privateJwk: JWK;
  jwks: JSONWebKeySet;
  kid: string;
}

export async function createSigningKey(kid = `dev-${Date.now().toString(36)}`): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: 'ES256', use: 'sig' };
  return { privateKey, privateJwk, jwks: { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }] }, kid };
}

export async function loadSigningKey(privateJwk: JWK): Promise<SigningKey> {
  const { d: _d, ...publicJwk } = privateJwk;
  const privateKey = (await importJWK(privateJwk, 'ES256')) as KeyLike;
  return { privateKey, privateJwk, jwks: { keys: [publicJwk] }, kid: String(privateJwk.kid) };
}

export interface TokenClaims {
  subject: string;
  roles: string[];
  issuer: string;
  audience: string;
  /** Seconds from now until it expires (default 12 h); negative: already expired. */
  expiresInSeconds?: number;
}

/** A signed JWT with sub, roles, iss, aud, iat and exp. */
export async function mintToken(key: SigningKey, claims: TokenClaims): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const expiresIn = claims.expiresInSeconds ?? 12 * 3600;
  return new SignJWT({ roles: claims.roles })
    .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'JWT' })
    .setSubject(claims.subject)
    .setIssuer(claims.issuer)
    .setAudience(claims.audience)
    .setIssuedAt(expiresIn < 0 ? now + expiresIn - 60 : now)
    .setExpirationTime(now + expiresIn)
    .sign(key.privateKey);
}
