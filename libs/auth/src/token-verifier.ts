import { readFileSync } from 'node:fs';
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { LRUCache } from 'lru-cache';
import { UnauthenticatedError, UnavailableError } from '@cec/errors';

/** How bearer tokens are checked: the keys, and the claims every token must carry. */
export interface TokenSettings {
  /** The keys: a JWKS document read from a file, or fetched (and refreshed) from a URL. */
  keys: { jwksFile: string } | { jwksUrl: string } | { jwks: JSONWebKeySet };
  issuer: string;
  audience: string;
  /** Tolerance for the clocks of the issuer and this machine, on exp and nbf. */
  clockSkewSeconds: number;
}

/** A person or an agent, as a verified token says. */
export interface TokenSubject {
  subject: string;
  roles: readonly string[];
  /** An agent (role "agent") or a person. */
  type: 'user' | 'agent';
}

const ROLE = /^[a-z][a-z0-9-]{0,62}$/;
/** Algorithms accepted: asymmetric only, so that a service that verifies tokens cannot mint them. */
const ALGORITHMS = ['ES256', 'ES384', 'RS256', 'RS384', 'RS512', 'PS256', 'EdDSA'];

/**
 * Verifies bearer tokens with jose: signature against the configured keys, issuer, audience,
 * expiry and not-before (with the clock skew), and a subject and roles. Verified tokens are
 * remembered until they expire (at most 10,000), so a client that sends the same token on
 * every call pays for the signature once; a token is never remembered past its exp.
 */
export class TokenVerifier {
  private readonly keys: JWTVerifyGetKey;
  private readonly verified = new LRUCache<string, { subject: TokenSubject; expiresAt: number }>({ max: 10_000 });

  constructor(private readonly settings: TokenSettings) {
    const { keys } = settings;
    if ('jwksUrl' in keys) this.keys = createRemoteJWKSet(new URL(keys.jwksUrl), { cooldownDuration: 30_000, cacheMaxAge: 600_000 });
    else this.keys = createLocalJWKSet('jwks' in keys ? keys.jwks : (JSON.parse(readFileSync(keys.jwksFile, 'utf8')) as JSONWebKeySet));
  }

  /** The token's subject, or an UnauthenticatedError that says what is wrong with it (never why a signature failed in detail). */
  verify(token: string): TokenSubject | Promise<TokenSubject> {
    const known = this.verified.get(token);
    if (known) {
      // exp with the same tolerance jwtVerify gave it.
      if (Date.now() < known.expiresAt + this.settings.clockSkewSeconds * 1000) return known.subject;
      this.verified.delete(token);
    }
    return this.verifyNow(token);
  }

  private async verifyNow(token: string): Promise<TokenSubject> {
    try {
      const { payload } = await jwtVerify(token, this.keys, {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        clockTolerance: this.settings.clockSkewSeconds,
        algorithms: ALGORITHMS,
        requiredClaims: ['sub', 'exp'],
      });
      const roles = payload.roles;
      if (!Array.isArray(roles) || !roles.every((r): r is string => typeof r === 'string' && ROLE.test(r))) {
        throw new UnauthenticatedError('the token has no "roles" claim (an array of role names)');
      }
      const subject = String(payload.sub);
      if (subject.length === 0 || subject.length > 200 || /\s/.test(subject)) throw new UnauthenticatedError('the token\'s "sub" must be 1-200 characters without spaces');
      const result: TokenSubject = { subject, roles, type: roles.includes('agent') ? 'agent' : 'user' };
      this.verified.set(token, { subject: result, expiresAt: (payload.exp as number) * 1000 });
      return result;
    } catch (error) {
      if (error instanceof UnauthenticatedError) throw error;
      // The key server did not answer: the token may well be good; the caller may try again.
      if (error instanceof errors.JWKSTimeout) throw new UnavailableError('the keys that verify bearer tokens cannot be fetched now; try again');
      throw new UnauthenticatedError(describeTokenError(error));
    }
  }
}

function describeTokenError(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the bearer token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return 'the bearer token is for another audience';
    if (error.claim === 'iss') return 'the bearer token is from another issuer';
    if (error.claim === 'nbf') return 'the bearer token is not valid yet';
    return `the bearer token's "${error.claim}" claim is missing or wrong`;
  }
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWKSNoMatchingKey) return 'the bearer token\'s signature does not match a trusted key';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'the bearer token is signed with an algorithm not accepted here';
  if (error instanceof errors.JOSEError) return `the bearer token cannot be verified (${(error as Error).message})`;
  return 'the bearer token is malformed';
}
