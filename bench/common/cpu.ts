/**
 * CPU time of processes from /proc (Linux), to show where the time of a call goes: a named
 * set of processes (servers), all processes of an embedded PostgreSQL (postmaster and its
 * children), this process, and how busy the whole machine was. The general form of what
 * bench/customers/run.ts does inline; elsewhere (no /proc) every figure is undefined.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let clockTicks = 100;
try {
  clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {
  // not Linux, or no getconf: CPU figures are left out anyway when /proc is missing
}

/** utime + stime and the parent pid of a process; undefined when /proc cannot tell. */
function stat(pid: number | string): { cpuMs: number; ppid: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { cpuMs: ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks, ppid: Number(fields[1]) };
  } catch {
    return undefined;
  }
}

/** utime + stime of a process, ms; undefined when it cannot be read. */
export function processCpuMs(pid: number | undefined): number | undefined {
  return pid ? stat(pid)?.cpuMs : undefined;
}

/** CPU ms of each process of a PostgreSQL server (the postmaster and its children: backends, workers), by pid. */
export function postgresCpuMs(postmasterPid: number | undefined): Map<number, number> | undefined {
  if (!postmasterPid) return undefined;
  const own = processCpuMs(postmasterPid);
  if (own === undefined) return undefined;
  const byPid = new Map<number, number>([[postmasterPid, own]]);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const s = stat(entry);
    if (s && s.ppid === postmasterPid) byPid.set(Number(entry), s.cpuMs);
  }
  return byPid;
}

/**
 * CPU the server's processes used between two samples: per process alive at the end, its time
 * minus its time at the start (0 for a backend started in between). A backend that exited in
 * between (an idle pool connection closed) is left out rather than subtracted.
 */
export function postgresDelta(before: Map<number, number> | undefined, after: Map<number, number> | undefined): number | undefined {
  if (!before || !after) return undefined;
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}

/** Busy and total jiffies of the whole machine (/proc/stat), undefined when unreadable. */
export function machineCpu(): { busy: number; total: number } | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const total = fields.slice(0, 8).reduce((a, b) => a + b, 0); // user nice system idle iowait irq softirq steal
    return { busy: total - fields[3] - fields[4], total };
  } catch {
    return undefined;
  }
}

/** One sample: named processes, PostgreSQL, this process, the machine. */
export interface CpuSample {
  processes: Record<string, number | undefined>;
  postgres?: Map<number, number>;
  client: number;
  machine?: { busy: number; total: number };
}

/** CPU used between two samples, ms (undefined where a process could not be read), and the machine's busy share 0..1. */
export interface CpuUsed {
  processes: Record<string, number | undefined>;
  postgres?: number;
  client: number;
  machineBusy?: number;
}

export function sampleCpu(pids: Record<string, number | undefined>, postmasterPid: number | undefined): CpuSample {
  const own = process.cpuUsage();
  return {
    processes: Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, processCpuMs(pid)])),
    postgres: postgresCpuMs(postmasterPid),
    client: (own.user + own.system) / 1000,
    machine: machineCpu(),
  };
}

export function cpuUsed(before: CpuSample, after: CpuSample): CpuUsed {
  const processes: Record<string, number | undefined> = {};
  for (const [name, ms] of Object.entries(after.processes)) {
    const was = before.processes[name];
    processes[name] = ms === undefined || was === undefined ? undefined : ms - was;
  }
  return {
    processes,
    postgres: postgresDelta(before.postgres, after.postgres),
    client: after.client - before.client,
    machineBusy:
      after.machine && before.machine ? (after.machine.busy - before.machine.busy) / (after.machine.total - before.machine.total || 1) : undefined,
  };
}
