import { randomUUID } from 'node:crypto';
import {
  Metadata,
  status,
  type handleUnaryCall,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServiceDefinition,
  type ServiceError,
  type UntypedHandleCall,
} from '@grpc/grpc-js';
import { InvalidArgumentError } from '@cec/errors';
import type { Logger, ServiceMetrics } from '@cec/observability';
import { ACTOR, CALLER, REQUEST_ID } from './metadata-keys';
import type { Actor } from '@cec/context';
import { runInRpcContext, type RpcContext } from './request-context';
import { toServiceError, type ErrorTranslator } from './status-mapping';

/** A unary handler written as an async function of the request. */
export type AsyncUnary<Req, Res> = (request: Req, context: RpcContext) => Promise<Res>;

/** The async handlers of a generated service definition, method by method, typed by the definition itself. */
export type HandlersOf<D> = {
  [K in keyof D]: D[K] extends { requestDeserialize: (bytes: Buffer) => infer Req; responseSerialize: (value: infer Res) => Buffer }
    ? AsyncUnary<Req, Res>
    : never;
};

/** The async form of a ts-proto `...Server` interface. */
export type AsyncService<S> = {
  [K in keyof S as string extends K ? never : K]: S[K] extends handleUnaryCall<infer Req, infer Res> ? AsyncUnary<Req, Res> : never;
};

export interface HandlerOptions {
  logger: Logger;
  metrics?: ServiceMetrics;
  translators?: ErrorTranslator[];
}

const ACTOR_PATTERN = /^(user|service|agent|system):([^\s]{1,200})$/;
const VALID_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const ERROR_CODES = new Set([status.INTERNAL, status.UNKNOWN, status.DATA_LOSS]);
const WARN_CODES = new Set([status.UNAVAILABLE, status.DEADLINE_EXCEEDED, status.RESOURCE_EXHAUSTED]);

function actorOf(call: ServerUnaryCall<unknown, unknown>): Actor {
  const raw = call.metadata.get(ACTOR)[0];
  if (raw !== undefined) {
    const match = ACTOR_PATTERN.exec(String(raw));
    if (!match) throw InvalidArgumentError.field(`metadata ${ACTOR}`, 'must be "<user|service|agent|system>:<id>"');
    return { type: match[1] as Actor['type'], id: match[2] };
  }
  const caller = call.metadata.get(CALLER)[0];
  return { type: 'service', id: caller ? String(caller).slice(0, 200) : 'unknown' };
}

function deadlineOf(call: ServerUnaryCall<unknown, unknown>): Date | undefined {
  const deadline = call.getDeadline();
  if (deadline instanceof Date) return deadline;
  return Number.isFinite(deadline) ? new Date(deadline as number) : undefined;
}

/** The metric children of one method and status code, resolved once: prom-client hashes labels on every call otherwise. */
interface Sample {
  count(): void;
  observe(seconds: number): void;
}

/**
 * Adapts an async handler to grpc-js and wraps every call the same way:
 * - gives it an x-request-id (the caller's, when it sent a sane one, else a new UUID),
 *   returned in the trailers;
 * - runs it inside the RPC context (request id, deadline, cancellation signal, actor, logger);
 * - maps whatever it throws to a status (status-mapping.ts);
 * - writes one JSON log line (method, status code, duration, request id, peer; never the
 *   request or response, which carry contact data) and one metrics sample.
 * Doing this here rather than in a grpc-js server interceptor keeps the call path short:
 * an interceptor cost about a fifth of GetCustomer's throughput in the benchmark. Every call
 * pays for what is here (bench/README.md has the figures), so it allocates little: no
 * closure is made per call that the call does not need.
 */
export function unary<Req, Res>(method: string, handler: AsyncUnary<Req, Res>, options: HandlerOptions): handleUnaryCall<Req, Res> {
  const { logger: base, metrics, translators } = options;
  const samples = new Map<number, Sample>();
  function sampleFor(code: number): Sample {
    let sample = samples.get(code);
    if (!sample) {
      const labels = { method, code: status[code] ?? String(code) };
      const counter = metrics?.grpcRequests.labels(labels);
      const histogram = metrics?.grpcDuration.labels(labels);
      sample = { count: () => counter?.inc(), observe: (seconds) => histogram?.observe(seconds) };
      samples.set(code, sample);
    }
    return sample;
  }

  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
    const started = process.hrtime.bigint();
    const given = call.metadata.get(REQUEST_ID)[0];
    const requestId = given !== undefined && VALID_REQUEST_ID.test(String(given)) ? String(given) : randomUUID();
    let child: Logger | undefined;
    let finished = false;
    // Made only when something logs for this call: a child logger per call costs even when no line is written.
    const logger = (): Logger => (child ??= base.child({ request_id: requestId }));

    function finish(error: Partial<ServiceError> | null, response?: Res): void {
      finished = true;
      const code = error?.code ?? status.OK;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const sample = sampleFor(code);
      sample.count();
      sample.observe(seconds);
      const level = ERROR_CODES.has(code) ? 'error' : WARN_CODES.has(code) ? 'warn' : 'info';
      if (base.isLevelEnabled(level)) {
        const line = { method, code: status[code] ?? String(code), duration_ms: Math.round(seconds * 1e6) / 1e3, peer: call.getPeer() };
        logger()[level](line, 'rpc');
      }
      const trailers = error?.metadata ?? new Metadata();
      trailers.set(REQUEST_ID, requestId);
      if (error) callback({ ...error, metadata: trailers } as ServiceError);
      else callback(null, response, trailers);
    }

    // Cancelled by the caller (or by grpc-js when the deadline passes): running queries and
    // outgoing calls of this call are cancelled with it. grpc-js 1.14 also says 'cancelled'
    // when the stream of a call that has answered closes: nothing runs for the call by then,
    // and aborting (an AbortError with its stack, an abort event) would only cost.
    const cancelled = new AbortController();
    call.on('cancelled', () => {
      if (!finished) cancelled.abort();
    });
    let context: RpcContext;
    try {
      context = {
        requestId,
        signal: cancelled.signal,
        deadline: deadlineOf(call as ServerUnaryCall<unknown, unknown>),
        actor: actorOf(call as ServerUnaryCall<unknown, unknown>),
        get logger() {
          return logger();
        },
      };
    } catch (error) {
      finish(toServiceError(error, { requestId, logger: logger(), translators }));
      return;
    }
    runInRpcContext(context, () => handler(call.request, context)).then(
      (response) => finish(null, response),
      (error) => finish(toServiceError(error, { requestId, logger: logger(), translators })),
    );
  };
}

/**
 * Adapts every method of a service definition to its async handler (an object or a class
 * instance implementing AsyncService); a missing handler is a start-up error.
 */
export function implement<S>(
  definition: ServiceDefinition,
  service: AsyncService<S>,
  options: HandlerOptions,
): S & Record<string, UntypedHandleCall> {
  const handlers = service as unknown as Record<string, AsyncUnary<unknown, unknown> | undefined>;
  const out: Record<string, UntypedHandleCall> = {};
  for (const name of Object.keys(definition)) {
    const handler = handlers[name];
    if (typeof handler !== 'function') throw new Error(`no handler for ${definition[name].path}`);
    if (definition[name].requestStream || definition[name].responseStream) {
      throw new Error(`${definition[name].path} is streaming: implement() serves unary methods only`);
    }
    out[name] = unary(definition[name].path, handler.bind(service), options) as UntypedHandleCall;
  }
  return out as S & Record<string, UntypedHandleCall>;
}
