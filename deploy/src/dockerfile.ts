import { readFileSync } from 'node:fs';

/** One instruction of a Dockerfile: FROM, COPY, USER, …, with its arguments as written (continuations joined). */
export interface DockerInstruction {
  keyword: string;
  args: string;
}

/** The instructions of a Dockerfile, comments and blank lines left out, `\` continuations joined. */
export function readDockerfile(path: string): DockerInstruction[] {
  const instructions: DockerInstruction[] = [];
  let pending = '';
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (/^\s*#/.test(line) || (pending === '' && line.trim() === '')) continue;
    const continued = /\\\s*$/.test(line);
    pending += (pending ? ' ' : '') + line.replace(/\\\s*$/, '').trim();
    if (continued) continue;
    const [keyword, ...rest] = pending.split(/\s+/);
    instructions.push({ keyword: keyword.toUpperCase(), args: rest.join(' ') });
    pending = '';
  }
  return instructions;
}

/** The instructions of the last stage (from its FROM on): what the image is. */
export function finalStage(instructions: DockerInstruction[]): DockerInstruction[] {
  const lastFrom = instructions.map((i) => i.keyword).lastIndexOf('FROM');
  return instructions.slice(lastFrom);
}

/** The last instruction of this keyword (the one that counts for CMD, USER, HEALTHCHECK); throws when there is none. */
export function lastInstruction(instructions: DockerInstruction[], keyword: string): DockerInstruction {
  const found = instructions.filter((i) => i.keyword === keyword).pop();
  if (!found) throw new Error(`no ${keyword} instruction`);
  return found;
}
