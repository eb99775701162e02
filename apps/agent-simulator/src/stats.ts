import { Counter, Gauge, Registry } from 'prom-client';

/** What the simulator has done: Prometheus counters on its own registry, and the summary it logs. */
export class SimulatorStats {
  readonly registry = new Registry();
  private readonly tasks = new Counter({
    name: 'agent_simulator_tasks_total',
    help: 'Tasks the simulated agents finished, by agent type, task type, what they reported (completed or failed) and outcome.',
    labelNames: ['agent_type', 'task_type', 'result', 'outcome'],
    registers: [this.registry],
  });
  private readonly optOuts = new Counter({
    name: 'agent_simulator_opt_outs_total',
    help: 'Opt-outs recorded at compliance because a simulated customer asked to stop, by channel.',
    labelNames: ['channel'],
    registers: [this.registry],
  });
  private readonly leaseExtensions = new Counter({
    name: 'agent_simulator_lease_extensions_total',
    help: 'ExtendTaskLease calls made while working on long tasks.',
    registers: [this.registry],
  });
  private readonly errors = new Counter({
    name: 'agent_simulator_call_errors_total',
    help: 'Calls that failed, by method and gRPC status code.',
    labelNames: ['method', 'code'],
    registers: [this.registry],
  });
  private readonly agentsGauge = new Gauge({
    name: 'agent_simulator_agents',
    help: 'Simulated agents running, by agent type.',
    labelNames: ['agent_type'],
    registers: [this.registry],
  });
  private readonly heldGauge = new Gauge({
    name: 'agent_simulator_tasks_held',
    help: 'Tasks the simulated agents hold now.',
    registers: [this.registry],
  });

  /** Per "completed <outcome>" / "failed <outcome>": how many, for the summary. */
  private readonly byOutcome = new Map<string, number>();
  completed = 0;
  failed = 0;
  optOutCount = 0;
  errorCount = 0;
  held = 0;

  constructor() {
    this.registry.setDefaultLabels({ service: 'agent-simulator' });
  }

  agents(agentType: string, count: number): void {
    this.agentsGauge.set({ agent_type: agentType }, count);
  }

  taskTaken(): void {
    this.heldGauge.set(++this.held);
  }

  taskLetGo(): void {
    this.heldGauge.set(--this.held);
  }

  taskFinished(agentType: string, taskType: string, result: 'completed' | 'failed', outcome: string): void {
    this.tasks.inc({ agent_type: agentType, task_type: taskType, result, outcome });
    if (result === 'completed') this.completed++;
    else this.failed++;
    const key = `${result} ${outcome}`;
    this.byOutcome.set(key, (this.byOutcome.get(key) ?? 0) + 1);
  }

  optOut(channel: string): void {
    this.optOuts.inc({ channel });
    this.optOutCount++;
  }

  leaseExtended(): void {
    this.leaseExtensions.inc();
  }

  callFailed(method: string, code: string): void {
    this.errors.inc({ method, code });
    this.errorCount++;
  }

  /** The figures of the summary log line. */
  summary(): { completed: number; failed: number; optOuts: number; held: number; callErrors: number; outcomes: Record<string, number> } {
    return {
      completed: this.completed,
      failed: this.failed,
      optOuts: this.optOutCount,
      held: this.held,
      callErrors: this.errorCount,
      outcomes: Object.fromEntries([...this.byOutcome.entries()].sort(([a], [b]) => a.localeCompare(b))),
    };
  }
}
