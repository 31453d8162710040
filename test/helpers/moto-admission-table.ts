/**
 * The admission table (`<prefix>-admission`: the Glue gate's items and the regions' MERGE items) on
 * moto's DynamoDB, for the tests that run the same scenarios on it and on the local tables: moto served
 * one request at a time, as DynamoDB serializes the writes of one item (moto_serial.py), the table made
 * before the tests, and an item read back consistently.
 */
import {
  type AttributeValue,
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
} from '@aws-sdk/client-dynamodb';
import { SLOT_TABLE_KEY } from '../../handlers/aws/slot-table-schema';
import { useMoto } from './moto';

export const ADMISSION_TABLE = 'lakestep-test-admission';

/** Starts moto and makes the table for the file's tests; the client is ready inside them. */
export function useAdmissionTableOnMoto(): {
  client: () => DynamoDBClient;
  readItem: (key: string) => Promise<Record<string, AttributeValue> | undefined>;
} {
  const moto = useMoto({ module: 'moto_serial', env: { PYTHONPATH: __dirname } });
  let client: DynamoDBClient | undefined;
  beforeAll(async () => {
    client = new DynamoDBClient(moto().clientConfig);
    await client.send(
      new CreateTableCommand({
        TableName: ADMISSION_TABLE,
        KeySchema: [{ AttributeName: SLOT_TABLE_KEY, KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: SLOT_TABLE_KEY, AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  });
  afterAll(() => client?.destroy());
  const ready = () => {
    if (!client) throw new Error('the admission table is made in beforeAll: use it inside a test');
    return client;
  };
  return {
    client: ready,
    readItem: async (key) =>
      (
        await ready().send(
          new GetItemCommand({
            TableName: ADMISSION_TABLE,
            Key: { [SLOT_TABLE_KEY]: { S: key } },
            ConsistentRead: true,
          }),
        )
      ).Item,
  };
}
