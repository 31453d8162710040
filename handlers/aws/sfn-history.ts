/**
 * The ExecutionHistory port on Step Functions: GetExecutionHistory newest first, a page at a time, so
 * that findFailure (handlers/core/record-failure.ts) stops reading as soon as it has the failed state.
 * Shared by the failure recorder Lambda and `lakestep replay --aws`; it builds no client of its own.
 */
import {
  GetExecutionHistoryCommand,
  type SFNClient,
  type HistoryEvent as SfnHistoryEvent,
} from '@aws-sdk/client-sfn';
import type { ExecutionHistory, HistoryEvent } from '../core/record-failure';

/** The SDK's history event reduced to what the search reads. */
export function toHistoryEvent(e: SfnHistoryEvent): HistoryEvent {
  const end =
    e.executionFailedEventDetails ?? e.executionTimedOutEventDetails ?? e.executionAbortedEventDetails;
  return {
    id: e.id ?? 0,
    previousEventId: e.previousEventId,
    type: e.type ?? '',
    stateName: e.stateEnteredEventDetails?.name,
    error: end?.error,
    cause: end?.cause,
  };
}

/** Wraps every SDK call, e.g. in a retry with backoff; the default calls straight through. */
export type CallWrapper = <T>(what: string, call: () => Promise<T>) => Promise<T>;
const direct: CallWrapper = (_what, call) => call();

export class SfnExecutionHistory implements ExecutionHistory {
  constructor(
    private readonly client: SFNClient,
    private readonly pageSize = 100,
    private readonly wrap: CallWrapper = direct,
  ) {}

  async *newestFirst(executionArn: string): AsyncIterable<readonly HistoryEvent[]> {
    let nextToken: string | undefined;
    do {
      const token = nextToken;
      const page = await this.wrap('GetExecutionHistory', () =>
        this.client.send(
          new GetExecutionHistoryCommand({
            executionArn,
            reverseOrder: true,
            maxResults: this.pageSize,
            includeExecutionData: true,
            nextToken: token,
          }),
        ),
      );
      yield (page.events ?? []).map(toHistoryEvent);
      nextToken = page.nextToken;
    } while (nextToken);
  }

  /** From the oldest event (ExecutionStarted): needs no grant beyond states:GetExecutionHistory. */
  async input(executionArn: string): Promise<string | null> {
    const out = await this.wrap('GetExecutionHistory', () =>
      this.client.send(
        new GetExecutionHistoryCommand({
          executionArn,
          maxResults: 1,
          reverseOrder: false,
          includeExecutionData: true,
        }),
      ),
    );
    return out.events?.[0]?.executionStartedEventDetails?.input ?? null;
  }
}
