import {
  credentials,
  InterceptingCall,
  Metadata,
  type ChannelCredentials,
  type Client,
  type ClientOptions,
  type Interceptor,
} from '@grpc/grpc-js';
import { ACTOR, CALLER, REQUEST_ID } from './metadata-keys';
import { currentRpcContext } from './request-context';

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
  /** Attempts per call when the server answers UNAVAILABLE (first try included). Default 4. */
  maxAttempts?: number;
}

/**
 * Retries UNAVAILABLE (server restarting, connection refused) with exponential backoff, per
 * the gRPC service config; other codes are the caller's to handle.
 */
export function retryServiceConfig(maxAttempts: number): string {
  return JSON.stringify({
    methodConfig: [
      {
        name: [{}],
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
 * Every outgoing call gets a deadline: the incoming call's (propagated, so a chain of calls
 * never outlives the first caller's patience), capped by the default timeout when there is
 * none; and carries the request id, the actor and this service's name.
 */
function contextInterceptor(options: Required<Pick<ClientFactoryOptions, 'caller' | 'defaultTimeoutMs'>>): Interceptor {
  return (callOptions, nextCall) => {
    const context = currentRpcContext();
    let deadline = callOptions.deadline;
    if (deadline === undefined) {
      deadline = context?.deadline ?? new Date(Date.now() + options.defaultTimeoutMs);
    }
    return new InterceptingCall(nextCall({ ...callOptions, deadline }), {
      start: (metadata: Metadata, listener, next) => {
        metadata.set(CALLER, options.caller);
        if (context) {
          if (!metadata.get(REQUEST_ID).length) metadata.set(REQUEST_ID, context.requestId);
          if (!metadata.get(ACTOR).length) metadata.set(ACTOR, `${context.actor.type}:${context.actor.id}`);
        }
        next(metadata, listener);
      },
    });
  };
}

/** A client for service-to-service calls: deadlines, retries of UNAVAILABLE, keepalive. */
export function createClient<C extends Client>(Ctor: ClientConstructor<C>, address: string, options: ClientFactoryOptions): C {
  return new Ctor(address, credentials.createInsecure(), {
    interceptors: [contextInterceptor({ caller: options.caller, defaultTimeoutMs: options.defaultTimeoutMs ?? 5_000 })],
    'grpc.service_config': retryServiceConfig(options.maxAttempts ?? 4),
    'grpc.enable_retries': 1,
    'grpc.keepalive_time_ms': 30_000,
    'grpc.keepalive_timeout_ms': 10_000,
    'grpc.initial_reconnect_backoff_ms': 100,
    'grpc.max_reconnect_backoff_ms': 5_000,
  });
}
