import type { PeerCertificate } from 'node:tls';
import type { Metadata } from '@grpc/grpc-js';
import type { Actor } from '@cec/context';

/** What the transport knows of an incoming call before its handler runs. */
export interface IncomingCall {
  /** "/escalation.customers.v1.CustomerService/GetCustomer". */
  method: string;
  metadata: Metadata;
  /**
   * The client's certificate, only when the connection is TLS and the certificate was issued
   * by the CA the server trusts (grpc-js gives none otherwise).
   */
  certificate?: PeerCertificate;
  /** "ipv4:127.0.0.1:53412", for log lines. */
  peer: string;
  requestId: string;
}

/**
 * Decides who is calling and whether they may call this method, before the handler runs:
 * returns the call's actor, or throws UnauthenticatedError / PermissionDeniedError (answered
 * as such; the handler never runs). @cec/auth implements it; without one the server takes
 * the actor from x-actor unverified (development and tests on loopback only).
 */
export interface CallGuard {
  admit(call: IncomingCall): Actor | Promise<Actor>;
}
