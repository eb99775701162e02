export { systemCall, type Actor, type ActorType, type CallContext } from './call-context';
export { currentCall, runInCall } from './current-call';
