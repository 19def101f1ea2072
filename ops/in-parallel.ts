/** Runs `task` on every item, at most `concurrency` at a time (enough to hide round trips, not to flood). */
export async function inParallel<T>(
  items: readonly T[],
  task: (item: T) => Promise<void>,
  concurrency = 8,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await task(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}
