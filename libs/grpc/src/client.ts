import { randomUUID } from 'node:crypto';
import {
  Channel,
  credentials,
  InterceptingCall,
  Metadata,
  status,
  type ChannelCredentials,
  type ChannelOptions,
  type Client,
  type ClientOptions,
  type Interceptor,
} from '@grpc/grpc-js';
import { ACTOR, CALLER, REQUEST_ID } from './metadata-keys';
import { methodTraits } from './method-traits';
import { currentRpcContext } from './request-context';
import { clientTlsCredentials, type TlsFiles } from './tls';

/** TLS with this service's certificate when it has one, else plaintext. */
export function channelCredentials(tls: TlsFiles | undefined): ChannelCredentials {
  return tls ? clientTlsCredentials(tls) : credentials.createInsecure();
}

export type ClientConstructor<C extends Client> = new (
  address: string,
  credentials: ChannelCredentials,
  options?: Partial<ClientOptions>,
) => C;

export interface ClientFactoryOptions {
  /** This service's name, sent as x-caller. */
  caller: string;
  /** Deadline of a call made outside any incoming RPC, or when the incoming one has none. Default 5 s. */
  defaultTimeoutMs?: number;
  /** Attempts per call of a retryable method when the server answers UNAVAILABLE (first try included). Default 4. */
  maxAttempts?: number;
  /** Call over TLS with this service's certificate (mutual TLS). Default: plaintext. */
  tls?: TlsFiles;
  /**
   * The channel's credentials as they are, instead of those made from `tls`: e.g. TLS that
   * trusts the deployment's CA without a client certificate, for a client that brings a bearer
   * token with each call (a person, an agent).
   */
  credentials?: ChannelCredentials;
  /**
   * A channel made by createChannel and shared with the other clients of the same peer (then
   * `maxAttempts`, `tls` and `credentials` are the channel's, not read here). One channel is
   * one connection with one reconnect backoff: once any call reaches a restarted peer, every
   * client of it can, instead of each waiting out a backoff of its own.
   */
  channel?: Channel;
}

/**
 * The gRPC service config of a peer's channel:
 * - calls go round robin over every address the peer's name resolves to (a Kubernetes headless
 *   Service lists each ready pod), so one long-lived channel spreads its calls over the
 *   replicas; with one address it is one connection, as pick_first would be;
 * - UNAVAILABLE (server restarting, connection refused) is retried with exponential backoff,
 *   for the methods the contract marks idempotent (`idempotency_level`) and only those: a
 *   create or a payment is never sent twice by the channel on its own. Other codes are the
 *   caller's to handle.
 */
export function retryServiceConfig(maxAttempts: number): string {
  const names = [...methodTraits().values()].filter((t) => t.retryable).map((t) => ({ service: t.service, method: t.method }));
  return JSON.stringify({
    loadBalancingConfig: [{ round_robin: {} }],
    methodConfig: [
      {
        name: names,
        retryPolicy: {
          maxAttempts,
          initialBackoff: '0.1s',
          maxBackoff: '2s',
          backoffMultiplier: 2,
          retryableStatusCodes: ['UNAVAILABLE'],
        },
      },
    ],
  });
}

/**
 * Every outgoing call:
 * - gets a deadline: the incoming call's (propagated, so a chain of calls never outlives
 *   the first caller's patience), else the default timeout;
 * - is cancelled when the incoming call is cancelled;
 * - carries the request id, the actor and this service's name;
 * - when its request has a `request_id` the caller left empty, gets a new one, so that a
 *   create or a payment repeated after a lost answer is recorded once.
 */
function contextInterceptor(options: Required<Pick<ClientFactoryOptions, 'caller' | 'defaultTimeoutMs'>>): Interceptor {
  const traits = methodTraits();
  return (callOptions, nextCall) => {
    const context = currentRpcContext();
    let deadline = callOptions.deadline;
    if (deadline === undefined) {
      deadline = context?.deadline ?? new Date(Date.now() + options.defaultTimeoutMs);
    }
    const fillRequestId = traits.get(callOptions.method_definition.path)?.hasRequestId ?? false;
    const call = new InterceptingCall(nextCall({ ...callOptions, deadline }), {
      start: (metadata: Metadata, listener, next) => {
        metadata.set(CALLER, options.caller);
        if (context) {
          if (!metadata.get(REQUEST_ID).length) metadata.set(REQUEST_ID, context.requestId);
          if (!metadata.get(ACTOR).length) metadata.set(ACTOR, `${context.actor.type}:${context.actor.id}`);
        }
        next(metadata, listener);
      },
      sendMessage: (message: { requestId?: unknown }, next) => {
        next(fillRequestId && message.requestId === '' ? { ...message, requestId: randomUUID() } : message);
      },
    });
    const signal = context?.signal;
    if (signal) {
      const cancel = (): void => call.cancelWithStatus(status.CANCELLED, 'the incoming call was cancelled');
      if (signal.aborted) cancel();
      else signal.addEventListener('abort', cancel, { once: true });
    }
    return call;
  };
}

/** A channel's options: retries of idempotent methods, keepalive, reconnects at most 5 s apart. */
function channelOptions(maxAttempts: number): ChannelOptions {
  return {
    'grpc.service_config': retryServiceConfig(maxAttempts),
    'grpc.enable_retries': 1,
    'grpc.keepalive_time_ms': 30_000,
    'grpc.keepalive_timeout_ms': 10_000,
    'grpc.initial_reconnect_backoff_ms': 100,
    'grpc.max_reconnect_backoff_ms': 5_000,
  };
}

/** A channel to a peer, for createClient's `channel`: share it between the clients of that peer. */
export function createChannel(address: string, options: Pick<ClientFactoryOptions, 'maxAttempts' | 'tls' | 'credentials'> = {}): Channel {
  return new Channel(address, options.credentials ?? channelCredentials(options.tls), channelOptions(options.maxAttempts ?? 4));
}

/** A client for service-to-service calls: deadlines, cancellation, request ids, retries of idempotent methods, keepalive. */
export function createClient<C extends Client>(Ctor: ClientConstructor<C>, address: string, options: ClientFactoryOptions): C {
  const channel = options.channel ?? createChannel(address, options);
  // The channel carries its own credentials: grpc-js reads this argument only when it makes the
  // channel itself, so the TLS files are not read a second time for it.
  return new Ctor(address, credentials.createInsecure(), {
    interceptors: [contextInterceptor({ caller: options.caller, defaultTimeoutMs: options.defaultTimeoutMs ?? 5_000 })],
    channelOverride: channel,
  });
}
