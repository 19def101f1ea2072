/**
 * Workflow task of update-article: validates the changes against the current record and computes
 * the transaction that applies them. Pure computation.
 *
 * The transaction always starts with the same two items, so the workflow can tell from the
 * positional cancellation reasons what stopped it:
 *   [0] the article record, updated only if it is still as read (a concurrent update or delete loses);
 *       the counters (favoritesCount, commentSeq) are not touched, so concurrent favorites never conflict,
 *       and `lastChange` says `content`, so article-events reindexes it (schemas/events.ts)
 *   [1] the slug marker: a new one (must not exist) when the title's slug changes, else a check that
 *       the current one is still ours
 * followed, on a rename, by the delete of the old marker.
 */
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { ARTICLE_CHANGE_ATTRIBUTE, articleChanges } from '../../schemas/events.ts';
import { updateArticleRequest, validationErrors } from '../../schemas/requests.ts';
import { tableName } from '../shared/config.ts';
import { slugKey } from '../shared/keys.ts';
import { workflowTask } from '../shared/observability.ts';
import type { ArticleRecord } from '../shared/records.ts';
import { slugForAttempt, slugify } from '../shared/slugs.ts';

type AttributeMap = Parameters<typeof unmarshall>[0];

export interface ArticleUpdateInput {
  readonly body: unknown;
  /** The current article item as GetItem returned it (DynamoDB JSON). */
  readonly current: AttributeMap;
  /** 0 for the new title's own slug; each later attempt (after a slug collision) adds a random suffix. */
  readonly slugAttempt: number;
}

export type ArticleUpdateResult =
  | { readonly errors: Record<string, string[]> }
  | {
      readonly transactItems: unknown[];
      /** The record as the transaction leaves it (DynamoDB JSON), for the response. */
      readonly item: Record<string, unknown>;
    };

/** The slug changes only with the title, and not when the new title slugifies to the current slug. */
function nextSlug(before: ArticleRecord, title: string, slugAttempt: number): string {
  if (title === before.title || slugify(title) === before.slug) return before.slug;
  return slugForAttempt(title, slugAttempt);
}

export const handler = workflowTask(
  async ({ body, current, slugAttempt }: ArticleUpdateInput): Promise<ArticleUpdateResult> => {
    const parsed = updateArticleRequest.safeParse(body ?? {});
    if (!parsed.success) return { errors: validationErrors(parsed.error) };
    const changes = parsed.data.article;
    const before = unmarshall(current) as ArticleRecord;
    const title = changes.title ?? before.title;
    const after: ArticleRecord = {
      ...before,
      slug: nextSlug(before, title, slugAttempt),
      title,
      description: changes.description ?? before.description,
      body: changes.body ?? before.body,
      tagList: changes.tagList ?? before.tagList,
      // Strictly later than the read value, so an update is always visible in updatedAt.
      updatedAt: new Date(Math.max(Date.now(), Date.parse(before.updatedAt) + 1)).toISOString(),
      lastChange: articleChanges.content,
    };

    const table = tableName('Articles');
    const owner = { ':articleId': { S: before.id } };
    const [oldMarker, newMarker] = [slugKey(before.slug), slugKey(after.slug)];
    const renamed = oldMarker !== newMarker;
    return {
      transactItems: [
        {
          Update: {
            TableName: table,
            Key: { pk: { S: before.pk } },
            UpdateExpression:
              'SET #slug = :slug, #title = :title, #description = :description, #body = :body, #tagList = :tagList, #updatedAt = :updatedAt, #lastChange = :lastChange',
            ConditionExpression: '#updatedAt = :readUpdatedAt AND #slug = :readSlug',
            ExpressionAttributeNames: {
              '#slug': 'slug',
              '#title': 'title',
              '#description': 'description',
              '#body': 'body',
              '#tagList': 'tagList',
              '#updatedAt': 'updatedAt',
              '#lastChange': ARTICLE_CHANGE_ATTRIBUTE,
            },
            ExpressionAttributeValues: marshall({
              ':slug': after.slug,
              ':title': after.title,
              ':description': after.description,
              ':body': after.body,
              ':tagList': after.tagList,
              ':updatedAt': after.updatedAt,
              ':lastChange': after.lastChange,
              ':readUpdatedAt': before.updatedAt,
              ':readSlug': before.slug,
            }),
          },
        },
        renamed
          ? {
              Put: {
                TableName: table,
                Item: {
                  pk: { S: newMarker },
                  articleId: { S: before.id },
                  authorId: { S: before.authorId },
                  articleCreatedAt: { S: before.createdAt },
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            }
          : {
              ConditionCheck: {
                TableName: table,
                Key: { pk: { S: oldMarker } },
                ConditionExpression: 'articleId = :articleId',
                ExpressionAttributeValues: owner,
              },
            },
        ...(renamed
          ? [
              {
                Delete: {
                  TableName: table,
                  Key: { pk: { S: oldMarker } },
                  ConditionExpression: 'articleId = :articleId',
                  ExpressionAttributeValues: owner,
                },
              },
            ]
          : []),
      ],
      item: marshall(after),
    };
  },
);
