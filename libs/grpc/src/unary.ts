import { randomUUID } from 'node:crypto';
import type {
  handleUnaryCall,
  sendUnaryData,
  ServerUnaryCall,
  ServiceDefinition,
  UntypedHandleCall,
} from '@grpc/grpc-js';
import { InvalidArgumentError } from '@cec/errors';
import type { Logger } from '@cec/observability';
import { ACTOR, CALLER, REQUEST_ID } from './metadata-keys';
import { runInRpcContext, type Actor, type RpcContext } from './request-context';
import { toServiceError, type ErrorTranslator } from './status-mapping';

/** A unary handler written as an async function of the request. */
export type AsyncUnary<Req, Res> = (request: Req, context: RpcContext) => Promise<Res>;

/** The async form of a ts-proto `...Server` interface. */
export type AsyncService<S> = {
  [K in keyof S as string extends K ? never : K]: S[K] extends handleUnaryCall<infer Req, infer Res> ? AsyncUnary<Req, Res> : never;
};

export interface HandlerOptions {
  logger: Logger;
  translators?: ErrorTranslator[];
}

const ACTOR_PATTERN = /^(user|service|agent|system):([^\s]{1,200})$/;

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

/**
 * Adapts an async handler to grpc-js: runs it inside the RPC context (request id, deadline,
 * actor, logger), answers with its result, and maps whatever it throws to a status.
 */
export function unary<Req, Res>(handler: AsyncUnary<Req, Res>, options: HandlerOptions): handleUnaryCall<Req, Res> {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
    const requestId = String(call.metadata.get(REQUEST_ID)[0] ?? randomUUID());
    const logger = options.logger.child({ request_id: requestId });
    const deadline = call.getDeadline();
    const deadlineDate =
      deadline instanceof Date ? deadline : Number.isFinite(deadline) ? new Date(deadline as number) : undefined;
    let context: RpcContext;
    try {
      context = { requestId, deadline: deadlineDate, actor: actorOf(call as ServerUnaryCall<unknown, unknown>), logger };
    } catch (error) {
      callback(toServiceError(error, { requestId, logger, translators: options.translators }) as never);
      return;
    }
    runInRpcContext(context, () => handler(call.request, context)).then(
      (response) => callback(null, response),
      (error) => callback(toServiceError(error, { requestId, logger, translators: options.translators }) as never),
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
    out[name] = unary(handler.bind(service), options) as UntypedHandleCall;
  }
  return out as S & Record<string, UntypedHandleCall>;
}
