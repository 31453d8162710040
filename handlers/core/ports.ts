/**
 * The ports a handler core works through. Lambda passes AWS adapters (S3, Powertools); the local
 * runtime passes filesystem adapters and captured logs/metrics. Cores never touch the world otherwise.
 */
import type { Dataset, Stage } from '../../workflows/datasets';
import type { CatalogPort } from './catalog-port';
import type { RegionMergeTable } from './region-merge';
import type { SlotTable } from './slot-gate';

export interface ObjectRef {
  readonly bucket: string;
  readonly key: string;
}

export interface ObjectInfo extends ObjectRef {
  readonly size: number;
}

export interface LakeStorage {
  /** Size of an object, or null when it does not exist. */
  head(ref: ObjectRef): Promise<ObjectInfo | null>;
  /** Streams an object's bytes. Throws Lake.ObjectNotFound when it does not exist. */
  read(ref: ObjectRef): AsyncIterable<Uint8Array>;
  readBytes(ref: ObjectRef): Promise<Uint8Array>;
  write(ref: ObjectRef, body: Uint8Array | string, contentType?: string): Promise<void>;
  copy(from: ObjectRef, to: ObjectRef): Promise<void>;
  /** Objects under a prefix, sorted by key. */
  list(bucket: string, prefix: string): Promise<ObjectInfo[]>;
  delete(refs: readonly ObjectRef[]): Promise<void>;
}

/** Bucket name per lake stage (directory names locally). */
export type LakeBuckets = Readonly<Record<Stage, string>>;

export interface Log {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export type MetricUnit = 'Count' | 'Percent' | 'Bytes' | 'Milliseconds' | 'Seconds';

/** A sink of metrics in the shape Powertools Metrics takes; EMF on both targets. */
export interface MetricsSink {
  /** Adds a dimension set (as Powertools 2.x does): each call publishes every metric once more under it. */
  addDimensions(dimensions: Record<string, string>): void;
  addMetric(name: string, unit: MetricUnit, value: number): void;
  publishStoredMetrics(): void;
}

export interface Clock {
  now(): Date;
}

export interface CorePorts {
  readonly storage: LakeStorage;
  readonly buckets: LakeBuckets;
  readonly log: Log;
  readonly metrics: MetricsSink;
  readonly clock: Clock;
  /** The workflow's datasets: which objects belong to which, and how each is read and checked. */
  readonly datasets: readonly Dataset[];
  /** The data catalog, for the steps that register what they wrote (Register partition). */
  readonly catalog?: CatalogPort;
  /** The admission gates of heavy work, for the steps that acquire and release a slot. */
  readonly admission?: AdmissionPort;
  /** The regions' MERGE items (group commit), for the steps that request and finish a region's MERGE. */
  readonly regionMerges?: RegionMergeTable;
  /** The query engine over the analytics tables, for the step that evaluates their checks. */
  readonly analyticsChecks?: AnalyticsCheckPort;
}

/** Counts the rows a check's SELECT yields and returns a few of them (Athena on AWS, DuckDB locally). */
export interface AnalyticsCheckPort {
  violations(sql: string, sampleSize: number): Promise<{ count: number; sample: Record<string, unknown>[] }>;
}

/** The slot table, and how many slots the deployment gives each gate (the Glue job's MaxConcurrentRuns). */
export interface AdmissionPort {
  readonly table: SlotTable;
  readonly maxSlots: (gate: string) => number;
}
