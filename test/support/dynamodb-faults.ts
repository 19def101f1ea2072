/**
 * Makes DynamoDB answer the runtime's workflows the way it does while another transaction holds an
 * item. DynamoDB Local serializes writes and never does, so without this the workflows' conflict
 * branches would never run. Installed as SDK middleware on runtime.dynamoDb, like countBatchWrites.
 */
import { randomUUID } from 'node:crypto';
import {
  type AttributeValue,
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
  TransactionConflictException,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { taskScope } from '../../local/faults.ts';
import type { Runtime } from '../../local/runtime.ts';

/** What DynamoDB says about an item another transaction holds (the reason's and the exception's message). */
const ONGOING_TRANSACTION = 'Transaction is ongoing for the item';

/** An item key with its string attributes, e.g. `{ pk: 'article#…' }`. */
export type ItemKey = Readonly<Record<string, string>>;

/** Whether another transaction holds this item while the runtime writes it with this operation. */
export type Held = (
  key: ItemKey,
  operation: 'TransactWriteItems' | 'PutItem' | 'UpdateItem' | 'DeleteItem',
) => boolean;

export interface TransactionConflicts {
  /** Writes that touched a held item, conflicted or not: the keys they wrote and when. */
  readonly attempts: () => readonly {
    readonly operation: string;
    readonly keys: readonly ItemKey[];
    readonly at: number;
  }[];
  /** How many of them DynamoDB refused for the conflict. */
  readonly conflicts: () => number;
  remove(): void;
}

const SINGLE_ITEM_WRITES = {
  PutItemCommand: 'PutItem',
  UpdateItemCommand: 'UpdateItem',
  DeleteItemCommand: 'DeleteItem',
} as const;

function keyOf(item: Record<string, AttributeValue> | undefined): ItemKey {
  const key: Record<string, string> = {};
  for (const [name, value] of Object.entries(item ?? {})) if (value.S !== undefined) key[name] = value.S;
  return key;
}

function transactItemKey(item: TransactWriteItem): ItemKey {
  if (item.Put) return keyOf(item.Put.Item);
  return keyOf((item.Update ?? item.Delete ?? item.ConditionCheck)?.Key);
}

/**
 * From now on, a write touching an item for which `held` is true fails as DynamoDB fails it during
 * another transaction on that item: TransactWriteItems is cancelled with `TransactionConflict` at
 * that item's position in the reasons and `None` elsewhere; PutItem, UpdateItem and DeleteItem
 * raise TransactionConflictException. Only the first `times` such writes fail (all when omitted).
 */
export function injectTransactionConflicts(
  runtime: Runtime,
  held: Held,
  times = Number.POSITIVE_INFINITY,
): TransactionConflicts {
  const name = `injectTransactionConflicts${randomUUID()}`;
  const attempts: { operation: string; keys: ItemKey[]; at: number }[] = [];
  let conflicts = 0;
  const metadata = () => ({ httpStatusCode: 400, requestId: randomUUID() });
  runtime.dynamoDb.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName;
      const input = args.input as {
        TransactItems?: TransactWriteItem[];
        Key?: Record<string, AttributeValue>;
        Item?: Record<string, AttributeValue>;
      };
      if (command === 'TransactWriteItemsCommand') {
        const keys = (input.TransactItems ?? []).map(transactItemKey);
        const holds = keys.map((key) => held(key, 'TransactWriteItems'));
        if (!holds.includes(true)) return next(args);
        attempts.push({ operation: 'TransactWriteItems', keys, at: Date.now() });
        if (conflicts >= times) return next(args);
        conflicts++;
        const reasons = holds.map((isHeld) => (isHeld ? 'TransactionConflict' : 'None'));
        throw new TransactionCanceledException({
          message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.join(', ')}]`,
          CancellationReasons: reasons.map((Code) =>
            Code === 'None' ? { Code } : { Code, Message: ONGOING_TRANSACTION },
          ),
          $metadata: metadata(),
        });
      }
      const operation = SINGLE_ITEM_WRITES[command as keyof typeof SINGLE_ITEM_WRITES];
      const key = keyOf(input.Key ?? input.Item);
      if (operation === undefined || !held(key, operation)) return next(args);
      attempts.push({ operation, keys: [key], at: Date.now() });
      if (conflicts >= times) return next(args);
      conflicts++;
      throw new TransactionConflictException({ message: ONGOING_TRANSACTION, $metadata: metadata() });
    },
    { step: 'initialize', name },
  );
  return {
    attempts: () => attempts,
    conflicts: () => conflicts,
    remove: () => runtime.dynamoDb.middlewareStack.remove(name),
  };
}

/**
 * From now on, DynamoDB refuses the runtime's calls made in one of `states` of `workflow` (Task states,
 * nested ones included) whose input names one of `tokens` (values of a test's own items: an id, a
 * slug) with ProvisionedThroughputExceededException, as past a table's capacity. Scoped by item
 * rather than only by state (local/faults.ts), so other requests in the same states go through.
 */
export function refuseCalls(
  runtime: Runtime,
  { workflow, states, tokens }: { workflow: string; states: readonly string[]; tokens: readonly string[] },
): { remove(): void } {
  const name = `refuseCalls${randomUUID()}`;
  runtime.dynamoDb.middlewareStack.add(
    (next) => async (args) => {
      const scope = taskScope.getStore();
      const input = JSON.stringify(args.input);
      if (
        scope?.workflow !== workflow ||
        !states.includes(scope.state) ||
        !tokens.some((token) => input.includes(token))
      )
        return next(args);
      throw new ProvisionedThroughputExceededException({
        message: 'The level of configured provisioned throughput for the table was exceeded.',
        $metadata: { httpStatusCode: 400, requestId: randomUUID() },
      });
    },
    { step: 'initialize', name },
  );
  return { remove: () => runtime.dynamoDb.middlewareStack.remove(name) };
}
