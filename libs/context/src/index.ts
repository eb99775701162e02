export { systemCall, type Actor, type ActorType, type CallContext, type Cancellable } from './call-context';
export { currentCall, runInCall } from './current-call';
