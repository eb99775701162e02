import type { Actor } from '@cec/context';
import { PermissionDeniedError, UnauthenticatedError } from '@cec/errors';
import { ACTOR, type CallGuard, type IncomingCall } from '@cec/grpc';
import type { Logger } from '@cec/observability';
import type { AccessPolicy, Principal } from './access-policy';
import { serviceOfCertificate } from './service-identity';
import type { TokenSubject, TokenVerifier } from './token-verifier';

const ACTOR_PATTERN = /^(user|service|agent|system):([^\s]{1,200})$/;
const BEARER = /^Bearer\s+([A-Za-z0-9_\-.=]+)$/i;

/** A call refused by the access policy, for the audit trail. */
export interface DeniedCall {
  actor: Actor;
  method: string;
  requestId: string;
  reason: string;
}

export interface CallAuthenticatorOptions {
  policy: AccessPolicy;
  /** Absent: this deployment takes no bearer tokens (services only). */
  tokens?: TokenVerifier;
  trustDomain: string;
  logger: Logger;
  /** Records a refused call (the audit trail); a failure to record is logged and the call still refused. */
  onDenied?: (call: DeniedCall) => Promise<void>;
}

/**
 * Who is calling, from verified credentials only, and whether the access policy lets them call
 * the method:
 * - a bearer token (people and agents): verified by TokenVerifier; the actor is its subject,
 *   an agent when its roles include "agent", else a user; an x-actor header is ignored;
 * - else a client certificate issued by our CA (services): the service named by its SPIFFE URI
 *   SAN. When the policy lets that service act on behalf of others, its x-actor header is the
 *   actor and the service is recorded as `via`; from any other service the header is ignored
 *   and the attempt logged;
 * - else UNAUTHENTICATED. A certificate from another CA counts as none (grpc-js reports only
 *   certificates our CA issued).
 * A call the policy does not grant is refused PERMISSION_DENIED before its handler runs, and
 * recorded (onDenied).
 */
export class CallAuthenticator implements CallGuard {
  constructor(private readonly options: CallAuthenticatorOptions) {}

  admit(call: IncomingCall): Actor | Promise<Actor> {
    const authorization = call.metadata.get('authorization')[0];
    if (authorization !== undefined) {
      const match = BEARER.exec(String(authorization));
      if (!match) throw new UnauthenticatedError('the authorization header must be "Bearer <token>"');
      if (!this.options.tokens) throw new UnauthenticatedError('this deployment takes no bearer tokens: AUTH_JWKS_FILE or AUTH_JWKS_URL is not set');
      const subject = this.options.tokens.verify(match[1]);
      return subject instanceof Promise ? subject.then((s) => this.admitToken(call, s)) : this.admitToken(call, subject);
    }
    if (call.certificate) {
      const service = serviceOfCertificate(call.certificate, this.options.trustDomain);
      if (!service) throw new UnauthenticatedError(`the client certificate names no service of ${this.options.trustDomain} (URI SAN spiffe://${this.options.trustDomain}/service/<name>)`);
      return this.admitService(call, service);
    }
    throw new UnauthenticatedError(
      "no credentials: call with a bearer token (authorization: Bearer <token>) or a client certificate issued by the deployment's CA",
    );
  }

  private admitToken(call: IncomingCall, subject: TokenSubject): Actor | Promise<Actor> {
    const actor: Actor = { type: subject.type, id: subject.subject };
    const claimed = call.metadata.get(ACTOR)[0];
    if (claimed !== undefined && String(claimed) !== `${actor.type}:${actor.id}`) {
      this.options.logger.warn({ method: call.method, request_id: call.requestId, actor: `${actor.type}:${actor.id}`, claimed: String(claimed).slice(0, 200) }, 'x-actor ignored: only services allowed to act on behalf of others may set it');
    }
    return this.authorize(call, { kind: 'token', roles: subject.roles }, actor, `roles ${subject.roles.join(', ') || '(none)'}`);
  }

  private admitService(call: IncomingCall, service: string): Actor | Promise<Actor> {
    const self: Actor = { type: 'service', id: service };
    let actor = self;
    const claimed = call.metadata.get(ACTOR)[0];
    if (claimed !== undefined) {
      if (!this.options.policy.mayActOnBehalf(service)) {
        this.options.logger.warn({ method: call.method, request_id: call.requestId, caller: `service:${service}`, claimed: String(claimed).slice(0, 200) }, 'x-actor ignored: this service may not act on behalf of others (actOnBehalf in the access policy)');
      } else {
        const match = ACTOR_PATTERN.exec(String(claimed));
        if (!match) throw new UnauthenticatedError(`metadata ${ACTOR} must be "<user|service|agent|system>:<id>"`);
        actor = { type: match[1] as Actor['type'], id: match[2], via: `service:${service}` };
        if (actor.type === 'service' && actor.id === service) actor = self;
      }
    }
    return this.authorize(call, { kind: 'service', service }, actor, `service ${service}`);
  }

  private authorize(call: IncomingCall, principal: Principal, actor: Actor, who: string): Actor | Promise<Actor> {
    if (this.options.policy.allows(principal, call.method)) return actor;
    const reason = `${who} may not call ${call.method.slice(1)}`;
    const denied = new PermissionDeniedError(`${reason} (access policy)`);
    this.options.logger.warn({ method: call.method, request_id: call.requestId, actor: `${actor.type}:${actor.id}`, via: actor.via }, 'permission denied');
    if (!this.options.onDenied) throw denied;
    return this.options.onDenied({ actor, method: call.method, requestId: call.requestId, reason }).then(
      () => Promise.reject(denied),
      (error: Error) => {
        this.options.logger.error({ err: { message: error.message }, method: call.method }, 'could not record a refused call in the audit trail');
        return Promise.reject(denied);
      },
    );
  }
}
