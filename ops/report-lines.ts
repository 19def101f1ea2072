/** How verify-data's CLI prints a report: a summary of what was checked, then one line per finding. */
import type { RepairResult } from './repair-data.ts';
import type { Finding, FindingKey, Repair, VerifyReport } from './verify-data.ts';

const plural = (count: number, one: string, many = `${one}s`): string =>
  `${count} ${count === 1 ? one : many}`;

export function checkedLine({ checked: c }: VerifyReport): string {
  return [
    `checked ${plural(c.users, 'user')} (${c.emailMarkers} email#, ${c.usernameMarkers} username# markers)`,
    `${plural(c.articles, 'article')} (${c.slugMarkers} slug# markers)`,
    `${plural(c.follows, 'follow')} (${c.followerRows} followers# rows)`,
    `${plural(c.favorites, 'favorite')} (${c.favoritedRows} favorited# rows)`,
    plural(c.comments, 'comment'),
    `${plural(c.feedEntries, 'feed entry', 'feed entries')} (${c.expectedFeedEntries} expected)`,
    plural(c.searchDocuments, 'search document'),
    plural(c.tags, 'tag'),
    `${plural(c.otherItems, 'other item')} (not checked)`,
  ].join(', ');
}

function describeKey(key: FindingKey): string {
  if ('searchDocument' in key) return `search document ${key.searchDocument}`;
  if ('searchTag' in key) return `search tag ${key.searchTag}`;
  return `${key.table} ${key.pk}${key.sk === undefined ? '' : ` / ${key.sk}`}`;
}

export const findingLine = (finding: Finding): string =>
  `${finding.kind}: ${finding.message}${finding.keys.length ? ` [${finding.keys.map(describeKey).join('; ')}]` : ''}`;

export function findingLines(report: VerifyReport): string[] {
  const { findings } = report;
  if (!findings.length) return ['no findings'];
  const source = findings.filter((finding) => finding.category === 'source').length;
  return [
    `${plural(findings.length, 'finding')} (${findings.length - source} in derived data, ${source} broken source invariants):`,
    ...findings.map((finding) => `  ${findingLine(finding)}`),
  ];
}

const describeRepair = (repair: Repair): string => {
  switch (repair.action) {
    case 'put-item':
      return `put ${describeKey({ table: repair.table, ...repair.item })}`;
    case 'delete-item':
      return `deleted ${describeKey({ table: repair.table, ...repair.key })}`;
    case 'update-item':
      return `set ${Object.keys(repair.set).join(', ')} of ${describeKey({ table: repair.table, ...repair.key })} (unless it changed meanwhile)`;
    case 'upsert-document':
      return `upserted search document ${repair.document.id}`;
    case 'remove-document':
      return `removed search document ${repair.articleId}`;
  }
};

export function repairLines({ repaired, unrepaired }: RepairResult): string[] {
  return [
    `repaired ${plural(repaired.length, 'finding')}:`,
    ...repaired.map((finding) => `  ${finding.kind}: ${describeRepair(finding.repair as Repair)}`),
    ...(unrepaired.length
      ? [
          `left ${plural(unrepaired.length, 'finding')} alone (source invariants are for a person to judge; tags and totals follow the documents)`,
        ]
      : []),
  ];
}
