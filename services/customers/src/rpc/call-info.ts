import type { RpcContext } from '@cec/grpc';
import type { CallInfo } from '../store/call-info';

export function callInfo(context: RpcContext): CallInfo {
  return { actor: context.actor, requestId: context.requestId, deadline: context.deadline };
}
