/** Prints each state of one execution as it finishes, while it runs (replay's per-execution detail). */
import type { StoredEvent } from '../local/execution-store';
import { dim, stateLine } from './format';

export class LiveStates {
  private entered = new Map<string, { t0: number; attempts: number; lastError?: string }>();
  constructor(private readonly print: (line: string) => void) {}

  reset(): void {
    this.entered.clear();
  }

  onEvent(e: StoredEvent): void {
    const name = e.stateName as string | undefined;
    if (!name) return;
    if (e.type === 'StateEntered') this.entered.set(name, { t0: e.timestamp, attempts: 1 });
    const cur = this.entered.get(name);
    if (!cur) return;
    if (e.type === 'StateFailed') cur.lastError = String(e.error ?? 'error');
    if (e.type === 'StateRetried') {
      cur.attempts++;
      this.print(dim(`      ↻ ${name}: ${cur.lastError ?? 'error'}, retrying (attempt ${cur.attempts})`));
    }
    if (e.type === 'StateExited' && e.stateType !== 'Fail')
      this.print(
        stateLine({
          name,
          status: 'SUCCEEDED',
          attempts: cur.attempts,
          startedAt: '',
          durationMs: e.timestamp - cur.t0,
        }),
      );
  }
}
