/** The committed workflow with another small-object threshold, as an ASL file a LocalRuntime can run. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderAslText } from '../../workflows/render-asl';
import { SMALL_OBJECT_MAX_BYTES, withSmallObjectBytes } from '../../workflows/small-objects';
import { YOUTUBE_TRENDING } from '../../workflows/youtube-trending.workflow';

/** Every statistics object through the Glue job (DuckDB locally). */
export const ALWAYS_GLUE = 0;
/** Every statistics object the Lambda transform accepts through it. */
export const ALWAYS_LAMBDA = SMALL_OBJECT_MAX_BYTES;

/** Writes the definition under `dir` and returns its path (for `LocalRuntime.open({ workflow: YOUTUBE_TRENDING, definitionFile })`). */
export function definitionWithSmallObjectBytes(dir: string, bytes: number): string {
  const file = join(dir, `youtube-trending.small-${bytes}.asl.json`);
  writeFileSync(file, renderAslText(withSmallObjectBytes(YOUTUBE_TRENDING, bytes)));
  return file;
}
