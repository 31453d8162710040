/** The dataset a batch names, from the workflow's datasets the core was given; a name it lacks is a contract fault. */
import { type Dataset, datasetNamed } from '../../workflows/datasets';
import { ContractError } from './errors';

export function datasetOf(datasets: readonly Dataset[], name: string, objectKey: string): Dataset {
  try {
    return datasetNamed(datasets, name, `The batch of ${objectKey}`);
  } catch (e) {
    throw new ContractError(
      `${(e as Error).message}: the object was ingested by another workflow's definition`,
    );
  }
}
