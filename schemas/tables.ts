/**
 * The DynamoDB tables: one definition, read by the CDK data stack and by the local runtime,
 * which creates the same tables in DynamoDB Local.
 *
 * Users      user#<id> records and the email#/username# marker items that keep both unique.
 * Articles   article#<id> records and the slug# marker items; byAuthor lists an author's articles.
 * Relations  follows, favorites (both directions), comments and feed entries, under pk/sk;
 *            byFavoritingUser lists the articles a user favorited, newest article first.
 * Idempotency  the Idempotency-Key of each keyed write and its outcome, kept 24 h
 *            (state-machines/README.md).
 */
export type KeyType = 'S' | 'N';

export interface KeyDefinition {
  readonly name: string;
  readonly type: KeyType;
}

export interface GlobalIndexDefinition {
  readonly indexName: string;
  readonly partitionKey: KeyDefinition;
  readonly sortKey?: KeyDefinition;
}

export interface TableDefinition {
  /** Logical name: CDK construct id, ASL substitution `${<id>Table}` and env var `<ID>_TABLE`. */
  readonly id: TableId;
  readonly partitionKey: KeyDefinition;
  readonly sortKey?: KeyDefinition;
  readonly globalIndexes: readonly GlobalIndexDefinition[];
  /** Tables whose changes drive the event workflows carry a stream. */
  readonly stream: boolean;
  /** The number attribute (epoch seconds) after which DynamoDB's TTL deletes an item. */
  readonly timeToLiveAttribute?: string;
}

export type TableId = 'Users' | 'Articles' | 'Relations' | 'Idempotency';

export const tables: readonly TableDefinition[] = [
  {
    id: 'Users',
    partitionKey: { name: 'pk', type: 'S' },
    globalIndexes: [],
    stream: false,
  },
  {
    id: 'Articles',
    partitionKey: { name: 'pk', type: 'S' },
    globalIndexes: [
      {
        indexName: 'byAuthor',
        partitionKey: { name: 'authorId', type: 'S' },
        sortKey: { name: 'createdAt', type: 'S' },
      },
    ],
    stream: true,
  },
  {
    id: 'Relations',
    partitionKey: { name: 'pk', type: 'S' },
    sortKey: { name: 'sk', type: 'S' },
    globalIndexes: [
      {
        // Sparse: only favorited# rows carry these, so a user's favorites page newest first.
        indexName: 'byFavoritingUser',
        partitionKey: { name: 'favoritedBy', type: 'S' },
        sortKey: { name: 'articleOrder', type: 'S' },
      },
    ],
    stream: true,
  },
  {
    id: 'Idempotency',
    partitionKey: { name: 'pk', type: 'S' },
    globalIndexes: [],
    stream: false,
    timeToLiveAttribute: 'expiresAt',
  },
];

/** Environment variable through which a Lambda learns a table's name, e.g. ARTICLES_TABLE. */
export const tableEnvVar = (id: TableId): string => `${id.toUpperCase()}_TABLE`;

/** ASL substitution variable for a table's name, e.g. ${ArticlesTable}. */
export const tableSubstitution = (id: TableId): string => `${id}Table`;
