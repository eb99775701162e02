/** Metadata keys the platform reads and writes. */
export const REQUEST_ID = 'x-request-id';
/** "<user|service|agent|system>:<id>": on whose behalf the call is made (kept across services). */
export const ACTOR = 'x-actor';
/** The name of the calling service, set by the client factory. */
export const CALLER = 'x-caller';
