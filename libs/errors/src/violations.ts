import { InvalidArgumentError, type FieldViolation } from './domain-errors';

/**
 * Collects every problem of a request before failing, so the caller learns all of them at
 * once: `const v = new Violations(); v.require(...); v.throwIfAny();`
 */
export class Violations {
  private readonly list: FieldViolation[] = [];

  add(field: string, description: string): this {
    this.list.push({ field, description });
    return this;
  }

  /** Adds the violation when `ok` is false. */
  check(ok: boolean, field: string, description: string): this {
    if (!ok) this.add(field, description);
    return this;
  }

  get any(): boolean {
    return this.list.length > 0;
  }

  has(field: string): boolean {
    return this.list.some((v) => v.field === field);
  }

  throwIfAny(): void {
    if (this.list.length) throw new InvalidArgumentError([...this.list]);
  }
}
