/**
 * THE ONE LIST of granted action/resource pairs that no recorded call uses, each with its reason. The
 * proof fails on any other unused grant: remove the grant, or record the call that needs it, or add it here.
 */
import type { Acknowledged } from './evaluate';

export const ACKNOWLEDGED_UNUSED: readonly Acknowledged[] = [];
