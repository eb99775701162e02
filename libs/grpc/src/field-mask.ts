import { InvalidArgumentError } from '@cec/errors';

const toSnake = (path: string): string => path.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * AIP-134 update mask: the fields to change. Paths may be snake_case (binary requests) or
 * camelCase (JSON requests) and may carry the resource prefix ("customer.email"); "*" means
 * every updatable field. Without a mask, every field that is set in the request.
 */
export function resolveUpdateMask<F extends string>(
  paths: string[] | undefined,
  options: { allowed: readonly F[]; resource: string; populated: () => F[]; field?: string },
): Set<F> {
  const field = options.field ?? 'update_mask';
  if (!paths || paths.length === 0) {
    const populated = options.populated();
    if (!populated.length) throw InvalidArgumentError.field(field, 'names no field and the request sets none: nothing to update');
    return new Set(populated);
  }
  if (paths.length === 1 && paths[0] === '*') return new Set(options.allowed);
  const out = new Set<F>();
  const unknown: string[] = [];
  for (const raw of paths.flatMap((p) => p.split(','))) {
    const path = toSnake(raw.trim()).replace(new RegExp(`^${options.resource}\\.`), '');
    if ((options.allowed as readonly string[]).includes(path)) out.add(path as F);
    else unknown.push(raw);
  }
  if (unknown.length) {
    const camel = options.allowed.map((a) => a.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()));
    throw InvalidArgumentError.field(
      field,
      `cannot update ${unknown.map((u) => `"${u}"`).join(', ')}; updatable: ${options.allowed.join(', ')} ` +
        `(in JSON, as grpcurl and buf curl send it: "${camel.join(',')}")`,
    );
  }
  return out;
}
