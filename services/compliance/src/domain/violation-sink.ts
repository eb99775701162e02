import type { Violations } from '@cec/errors';

/** Forwards to a Violations and remembers whether this part of the input added any. */
export interface ViolationSink {
  readonly failed: boolean;
  add(field: string, description: string): void;
}

export function trackViolations(v: Violations): ViolationSink {
  let failed = false;
  return {
    get failed() {
      return failed;
    },
    add(field, description) {
      failed = true;
      v.add(field, description);
    },
  };
}
