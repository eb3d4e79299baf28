import { InfiniteQueryObserver, type QueryClient } from '@tanstack/react-query';
import { describe, expect, it } from 'vitest';
import { createQueryClient } from './queryClient.ts';
import { flattenPages, pagedListQuery, restartFromFirstPage, type Page, type PageCursor } from './pagedList.ts';

interface Row {
  id: string;
}

/** A server whose list can change between requests; records the cursors asked for. */
class PagedServer {
  rows: string[];
  asked: PageCursor[] = [];
  /** While set, answers wait for it. */
  gate: Promise<void> | null = null;

  constructor(rows: string[], private readonly pageSize = 2) {
    this.rows = rows;
  }

  fetchPage = async (cursor: PageCursor): Promise<Page<Row>> => {
    this.asked.push(cursor);
    if (this.gate !== null) await this.gate;
    const start = cursor === null ? 0 : Number(cursor);
    const end = start + this.pageSize;
    return {
      items: this.rows.slice(start, end).map((id) => ({ id })),
      nextCursor: end < this.rows.length ? String(end) : null,
    };
  };
}

function observe(client: QueryClient, server: PagedServer) {
  const observer = new InfiniteQueryObserver(
    client,
    pagedListQuery({ queryKey: ['api', 'rows'], fetchPage: server.fetchPage }),
  );
  const stop = observer.subscribe(() => undefined);
  return { observer, stop };
}

async function settled(observer: ReturnType<typeof observe>['observer']) {
  for (let turn = 0; turn < 20 && observer.getCurrentResult().isFetching; turn += 1) {
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  return observer.getCurrentResult();
}

describe('flattenPages', () => {
  it('keeps page order and, given an identity, the first copy of a repeated item', () => {
    const pages: Page<Row>[] = [
      { items: [{ id: 'a' }, { id: 'b' }], nextCursor: 'x' },
      { items: [{ id: 'b' }, { id: 'c' }], nextCursor: null },
    ];
    expect(flattenPages(pages).map((row) => row.id)).toEqual(['a', 'b', 'b', 'c']);
    expect(flattenPages(pages, (row) => row.id).map((row) => row.id)).toEqual(['a', 'b', 'c']);
  });
});

describe('pagedListQuery', () => {
  it('asks for the first page with no cursor, then follows nextCursor until it is null', async () => {
    const server = new PagedServer(['a', 'b', 'c', 'd', 'e']);
    const { observer, stop } = observe(createQueryClient(), server);

    let result = await settled(observer);
    expect(result.hasNextPage).toBe(true);
    await observer.fetchNextPage();
    result = await observer.fetchNextPage();

    expect(server.asked).toEqual([null, '2', '4']);
    expect(flattenPages(result.data?.pages ?? []).map((row) => row.id)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(result.hasNextPage).toBe(false);
    stop();
  });
});

describe('restartFromFirstPage', () => {
  it('fetches only the first page again and shows the old first page until it arrives', async () => {
    const client = createQueryClient();
    const server = new PagedServer(['a', 'b', 'c', 'd']);
    const { observer, stop } = observe(client, server);
    await settled(observer);
    await observer.fetchNextPage();
    server.rows = ['new', 'a', 'b', 'c', 'd'];
    server.asked = [];

    let release = (): void => undefined;
    server.gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const restart = restartFromFirstPage(client, ['api', 'rows']);
    // While the new first page is on its way the list shows the old first page, not nothing.
    for (let turn = 0; turn < 20 && server.asked.length === 0; turn += 1) await Promise.resolve();
    expect(server.asked).toEqual([null]);
    expect(flattenPages(observer.getCurrentResult().data?.pages ?? []).map((row) => row.id)).toEqual(['a', 'b']);
    release();
    await restart;

    const result = observer.getCurrentResult();
    expect(server.asked).toEqual([null]);
    expect(flattenPages(result.data?.pages ?? []).map((row) => row.id)).toEqual(['new', 'a']);
    expect(result.hasNextPage).toBe(true);
    stop();
  });

  it('drops the answer of a next page that was on its way when the list restarted', async () => {
    const client = createQueryClient();
    const server = new PagedServer(['a', 'b', 'c', 'd']);
    const { observer, stop } = observe(client, server);
    await settled(observer);
    let release = (): void => undefined;
    server.gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const late = observer.fetchNextPage();
    server.rows = ['x', 'y', 'z'];
    const restart = restartFromFirstPage(client, ['api', 'rows']);
    release();
    await Promise.all([late, restart]);
    await settled(observer);

    const pages = observer.getCurrentResult().data?.pages ?? [];
    expect(flattenPages(pages).map((row) => row.id)).toEqual(['x', 'y']);
    stop();
  });
});
