/**
 * Where a server's CPU time went, from the V8 CPU profile `node --cpu-prof` writes at exit:
 * self time by function and by area (its own code, each lib, each package, GC), counted only
 * inside given windows of time (the measured windows of one scenario), per unit of work.
 *
 * Windows are in microseconds of the monotonic clock (process.hrtime.bigint() / 1000n in any
 * process of the machine): V8 stamps its samples with the same clock.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileWindow {
  startUs: number;
  endUs: number;
}

export interface SelfTime {
  /** Function and file, e.g. `checkContactWindow services/compliance/src/domain/contact-window.ts`. */
  name: string;
  area: string;
  ms: number;
}

export interface ProfileSummary {
  /** Sampled time inside the windows, ms (idle included). */
  windowMs: number;
  /** Busy time (everything but "(idle)"), ms. */
  busyMs: number;
  functions: SelfTime[];
  areas: { area: string; ms: number }[];
  /** The repository's own functions (services/, libs/, bench/) by total time: self time plus everything they called. */
  inclusive: SelfTime[];
}

/**
 * The newest main-thread profile in `dir`, or undefined. Node names them
 * CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile; thread 0 is the main thread (with
 * `--import tsx`, thread 1 is the loader's).
 */
export function newestProfile(dir: string): string | undefined {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => /\.0\.\d+\.cpuprofile$/.test(f));
  } catch {
    return undefined;
  }
  return files.sort().map((f) => join(dir, f)).pop();
}

/** The area of a function: which code it belongs to. `root` is the repository's path, to shorten urls. */
export function areaOf(url: string, functionName: string, root: string): string {
  if (!url) {
    if (functionName === '(garbage collector)') return 'GC';
    if (functionName === '(idle)') return 'idle';
    if (functionName === '(program)') return 'V8/native (program)';
    return functionName || 'native';
  }
  if (url.startsWith('node:')) return 'node internals';
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const parts = path.slice(nm + '/node_modules/'.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  const rel = path.startsWith(`${root}/`) ? path.slice(root.length + 1) : path;
  if (rel.startsWith('libs/proto/src/gen/')) return 'libs/proto (generated messages)';
  const lib = /^libs\/([^/]+)\//.exec(rel);
  if (lib) return `libs/${lib[1]}`;
  const domain = /^services\/([^/]+)\/src\/domain\//.exec(rel);
  if (domain) return `services/${domain[1]} domain`;
  const service = /^services\/([^/]+)\//.exec(rel);
  if (service) return `services/${service[1]} (rpc, store, …)`;
  const bench = /^bench\//.exec(rel);
  if (bench) return rel;
  return 'other';
}

/** Self time inside the windows, by function (top `top`) and by area. */
export function summariseProfile(file: string, windows: ProfileWindow[], root: string, top = 20): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let t = profile.startTime;
  const inWindow = (us: number): boolean => windows.some((w) => us >= w.startUs && us < w.endUs);
  let windowUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i];
    const next = i + 1 < profile.timeDeltas.length ? profile.timeDeltas[i + 1] : 0;
    if (!inWindow(t)) continue;
    windowUs += next;
    self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + next);
  }
  // Total time of the repository's functions: every sample counts once for each function on its stack.
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  const inclusive = new Map<string, SelfTime>();
  for (const [id, us] of self) {
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const { functionName, url } = (byId.get(at) as ProfileNode).callFrame;
      if (!url || url.includes('/node_modules/') || url.startsWith('node:')) continue;
      const name = `${functionName || '(anonymous)'} ${shortUrl(url, root)}`;
      if (seen.has(name)) continue;
      seen.add(name);
      const entry = inclusive.get(name) ?? { name, area: areaOf(url, functionName, root), ms: 0 };
      entry.ms += us / 1000;
      inclusive.set(name, entry);
    }
  }
  const functions = new Map<string, SelfTime>();
  const areas = new Map<string, number>();
  let idleUs = 0;
  for (const [id, us] of self) {
    const node = byId.get(id) as ProfileNode;
    // No line numbers: tsx and bundled packages put whole files on a line or two.
    const { functionName, url } = node.callFrame;
    const area = areaOf(url, functionName, root);
    if (area === 'idle') idleUs += us;
    areas.set(area, (areas.get(area) ?? 0) + us);
    const where = url ? ` ${shortUrl(url, root)}` : '';
    const name = `${functionName || '(anonymous)'}${where}`;
    const entry = functions.get(name) ?? { name, area, ms: 0 };
    entry.ms += us / 1000;
    functions.set(name, entry);
  }
  return {
    windowMs: windowUs / 1000,
    busyMs: (windowUs - idleUs) / 1000,
    functions: [...functions.values()].filter((f) => f.area !== 'idle').sort((a, b) => b.ms - a.ms).slice(0, top),
    areas: [...areas].filter(([area]) => area !== 'idle').map(([area, us]) => ({ area, ms: us / 1000 })).sort((a, b) => b.ms - a.ms),
    inclusive: [...inclusive.values()].filter((f) => !f.name.startsWith('(anonymous)')).sort((a, b) => b.ms - a.ms).slice(0, top),
  };
}

function shortUrl(url: string, root: string): string {
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) return path.slice(nm + '/node_modules/'.length);
  return path.startsWith(`${root}/`) ? path.slice(root.length + 1) : path;
}

/** The summary as lines: areas, then functions, in ms per `unit` (e.g. per decision) and in % of busy time. */
export function formatProfile(title: string, s: ProfileSummary, units: number, unitName: string): string {
  const per = (ms: number): string => (units ? (ms / units).toFixed(4) : '-');
  const pct = (ms: number): string => `${s.busyMs ? ((ms / s.busyMs) * 100).toFixed(1) : '0.0'}%`;
  const lines = [
    `${title}: ${s.busyMs.toFixed(0)} ms busy of ${s.windowMs.toFixed(0)} ms sampled, ${units.toLocaleString('en-US')} ${unitName}s → ${per(s.busyMs)} ms per ${unitName}`,
    `  by area (self time)             ms/${unitName}   share`,
    ...s.areas.slice(0, 14).map((a) => `    ${a.area.padEnd(34).slice(0, 34)} ${per(a.ms).padStart(8)}  ${pct(a.ms).padStart(6)}`),
    `  top functions (self time)        ms/${unitName}   share`,
    ...s.functions.map((f) => `    ${per(f.ms).padStart(8)}  ${pct(f.ms).padStart(6)}  ${f.name}`),
    `  the repository's functions by total time (self + callees)`,
    ...s.inclusive.map((f) => `    ${per(f.ms).padStart(8)}  ${pct(f.ms).padStart(6)}  ${f.name}`),
  ];
  return lines.join('\n');
}
