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
import type { Actor, Cancellable } from '@cec/context';
import { runInRpcContext, type RpcContext } from './request-context';
import { toServiceError, type ErrorTranslator } from './status-mapping';
import type { CallGuard, IncomingCall } from './call-guard';

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
  /** Authenticates and authorizes every call (call-guard.ts); without it the actor is x-actor's, unverified. */
  guard?: CallGuard;
  metrics?: ServiceMetrics;
  translators?: ErrorTranslator[];
}

const ACTOR_PATTERN = /^(user|service|agent|system):([^\s]{1,200})$/;
const VALID_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const ERROR_CODES = new Set([status.INTERNAL, status.UNKNOWN, status.DATA_LOSS]);
const WARN_CODES = new Set([status.UNAVAILABLE, status.DEADLINE_EXCEEDED, status.RESOURCE_EXHAUSTED]);

/** The actor when no guard checks calls: x-actor as sent, else the calling service as x-caller says. Unverified. */
export function unverifiedActorOf(call: ServerUnaryCall<unknown, unknown>): Actor {
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
  counter?: { inc(): void };
  histogram?: { observe(seconds: number): void };
}

/** What every call of one method shares: its handler, and its logger, metrics and error translators. */
class Method<Req, Res> {
  private readonly samples = new Map<number, Sample>();

  constructor(
    readonly path: string,
    readonly handler: AsyncUnary<Req, Res>,
    readonly logger: Logger,
    private readonly metrics: ServiceMetrics | undefined,
    readonly translators: ErrorTranslator[] | undefined,
    readonly guard: CallGuard | undefined,
  ) {}

  sampleFor(code: number): Sample {
    let sample = this.samples.get(code);
    if (!sample) {
      const labels = { method: this.path, code: status[code] ?? String(code) };
      sample = { counter: this.metrics?.grpcRequests.labels(labels), histogram: this.metrics?.grpcDuration.labels(labels) };
      this.samples.set(code, sample);
    }
    return sample;
  }
}

/**
 * One call, from its arrival to its status: it is the call's RpcContext too. A class rather
 * than closures and an object literal per call: every RPC of every service makes one
 * (bench/README.md has the figures).
 */
class UnaryCall<Req, Res> implements RpcContext {
  readonly requestId: string;
  readonly deadline: Date | undefined;
  /** Read from the metadata in run(), before the handler runs. */
  actor!: Actor;
  private readonly started = process.hrtime.bigint();
  private child: Logger | undefined;
  /** Made on first use of `signal`: in Node 20 an AbortSignal costs several microseconds. */
  private controller: AbortController | undefined;
  /** Work to cancel with the call (its running statements), when there is any. */
  private watched: Set<Cancellable> | undefined;
  /** The call was cancelled, or its deadline passed, before it answered. */
  private cancelled = false;
  private finished = false;

  constructor(
    private readonly method: Method<Req, Res>,
    private readonly call: ServerUnaryCall<Req, Res>,
    private readonly callback: sendUnaryData<Res>,
  ) {
    const given = call.metadata.get(REQUEST_ID)[0];
    this.requestId = given !== undefined && VALID_REQUEST_ID.test(String(given)) ? String(given) : randomUUID();
    this.deadline = deadlineOf(call as ServerUnaryCall<unknown, unknown>);
  }

  /** Made only when something logs for this call: a child logger per call costs even when no line is written. */
  get logger(): Logger {
    return (this.child ??= this.method.logger.child({ request_id: this.requestId }));
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.cancelled) this.controller.abort();
    }
    return this.controller.signal;
  }

  watch(work: Cancellable): boolean {
    if (this.cancelled) return false;
    (this.watched ??= new Set()).add(work);
    return true;
  }

  unwatch(work: Cancellable): void {
    this.watched?.delete(work);
  }

  run(): void {
    // Cancelled by the caller, or by grpc-js when the deadline passes (its deadline timer ends
    // the call, which then says 'cancelled'): running queries and outgoing calls of this call
    // are cancelled with it, and the database layer counts on it for the deadline.
    this.call.on('cancelled', () => this.onCancelled());
    let admitted: Actor | Promise<Actor>;
    try {
      admitted = this.method.guard ? this.method.guard.admit(this.incoming()) : unverifiedActorOf(this.call as ServerUnaryCall<unknown, unknown>);
    } catch (error) {
      this.fail(error);
      return;
    }
    if (admitted instanceof Promise) {
      // A token seen for the first time: its signature is being checked.
      admitted.then(
        (actor) => this.handle(actor),
        (error) => this.fail(error),
      );
    } else {
      this.handle(admitted);
    }
  }

  private handle(actor: Actor): void {
    this.actor = actor;
    runInRpcContext(this, () => this.method.handler(this.call.request, this)).then(
      (response) => this.finish(null, response),
      (error) => this.fail(error),
    );
  }

  private incoming(): IncomingCall {
    return {
      method: this.method.path,
      metadata: this.call.metadata,
      certificate: this.call.getAuthContext().sslPeerCertificate,
      peer: this.call.getPeer(),
      requestId: this.requestId,
    };
  }

  /**
   * grpc-js 1.14 also says 'cancelled' when the stream of a call that has answered closes:
   * nothing runs for the call by then, and aborting (an AbortError with its stack, an abort
   * event) would only cost.
   */
  private onCancelled(): void {
    if (this.finished || this.cancelled) return;
    this.cancelled = true;
    this.controller?.abort();
    if (this.watched) for (const work of this.watched) work.cancel();
  }

  private fail(error: unknown): void {
    this.finish(toServiceError(error, { requestId: this.requestId, logger: this.logger, translators: this.method.translators }));
  }

  private finish(error: Partial<ServiceError> | null, response?: Res): void {
    this.finished = true;
    const code = error?.code ?? status.OK;
    const seconds = Number(process.hrtime.bigint() - this.started) / 1e9;
    const sample = this.method.sampleFor(code);
    sample.counter?.inc();
    sample.histogram?.observe(seconds);
    const level = ERROR_CODES.has(code) ? 'error' : WARN_CODES.has(code) ? 'warn' : 'info';
    if (this.method.logger.isLevelEnabled(level)) {
      const line = { method: this.method.path, code: status[code] ?? String(code), duration_ms: Math.round(seconds * 1e6) / 1e3, peer: this.call.getPeer() };
      this.logger[level](line, 'rpc');
    }
    const trailers = error?.metadata ?? new Metadata();
    trailers.set(REQUEST_ID, this.requestId);
    if (error) this.callback({ ...error, metadata: trailers } as ServiceError);
    else this.callback(null, response, trailers);
  }
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
 * pays for what is here (bench/README.md has the figures), so it allocates little: one
 * UnaryCall, and the closures grpc-js and the promise need.
 */
export function unary<Req, Res>(method: string, handler: AsyncUnary<Req, Res>, options: HandlerOptions): handleUnaryCall<Req, Res> {
  const target = new Method(method, handler, options.logger, options.metrics, options.translators, options.guard);
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => new UnaryCall(target, call, callback).run();
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
