import { join } from 'node:path';
import type { MikroORM } from '@mikro-orm/postgresql';
import { AccessPolicy, CallAuthenticator, isLoopback, TokenVerifier } from '@cec/auth';
import { workspaceRoot } from '@cec/db';
import type { CallGuard, ServiceRegistration } from '@cec/grpc';
import type { Logger } from '@cec/observability';
import { recordAuditEvent } from '@cec/orm';
import type { ServiceConfig } from './service-config';

/** The access policy of the repository, unless AUTH_POLICY_FILE names another. */
export function defaultPolicyFile(): string {
  return join(workspaceRoot(), 'config', 'access-policy.yaml');
}

/** Every method path the registrations serve: "/escalation.customers.v1.CustomerService/GetCustomer". */
export function methodPaths(services: readonly ServiceRegistration[]): string[] {
  return services.flatMap((s) => Object.values(s.definition).map((method) => method.path));
}

/**
 * The guard of a service's calls, or undefined when authentication is off. Off is allowed on
 * a loopback address (development, tests: the actor is x-actor's, unverified) and elsewhere
 * only with AUTH_INSECURE=true, warned at every start; otherwise the service refuses to start.
 * On: the access policy, read and checked against the served methods, tokens verified with the
 * configured keys, and every refused call recorded in the audit trail.
 */
export function callGuardFor(name: string, config: ServiceConfig, services: readonly ServiceRegistration[], orm: MikroORM, logger: Logger): CallGuard | undefined {
  const { auth } = config;
  if (!auth.tls) {
    if (isLoopback(config.grpcHost)) {
      logger.info(`authentication is off: ${config.grpcHost} is a loopback address; the actor of a call is whatever its x-actor header says`);
      return undefined;
    }
    if (!auth.insecure) {
      throw new Error(
        `${name} would listen on ${config.grpcHost} without authentication: set TLS_CERT_FILE, TLS_KEY_FILE and TLS_CA_FILE ` +
          `(and AUTH_JWKS_FILE or AUTH_JWKS_URL with AUTH_ISSUER for people and agents), bind ${config.variables.grpcHost} to 127.0.0.1, ` +
          'or set AUTH_INSECURE=true to let anyone who reaches the port call as whoever they claim to be',
      );
    }
    logger.warn(`AUTH_INSECURE=true: ${name} listens on ${config.grpcHost} WITHOUT authentication; anyone who reaches the port may call any method as whoever x-actor claims`);
    return undefined;
  }
  const policy = AccessPolicy.load(auth.policyFile ?? defaultPolicyFile());
  policy.coverServed(methodPaths(services));
  if (!auth.tokens) logger.warn('no AUTH_JWKS_FILE or AUTH_JWKS_URL: only services with a client certificate can call; people and agents are refused');
  logger.info({ policy: policy.source, tokens: Boolean(auth.tokens), trust_domain: auth.trustDomain }, 'authentication is on: mutual TLS for services, bearer tokens for people and agents');
  return new CallAuthenticator({
    policy,
    tokens: auth.tokens && new TokenVerifier(auth.tokens),
    trustDomain: auth.trustDomain,
    logger,
    onDenied: async (denied) => {
      await recordAuditEvent(orm.em.fork(), {
        entityType: 'access',
        entityId: null,
        action: 'permission_denied',
        actor: denied.actor,
        details: { method: denied.method.slice(1), reason: denied.reason, request_id: denied.requestId, service: name },
      });
    },
  });
}
