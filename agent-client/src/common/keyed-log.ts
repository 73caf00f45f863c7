/**
 * A live log (role=log) rendered again and again from a list of keyed items: the chat logs of the
 * console and of the widget. Each item keeps its element from one render to the next, so a message
 * is added (and read out by the log's live region) once and its delivery mark changes in place;
 * elements follow the order given, and those of items no longer given are removed.
 *
 * A batch of more than three new items (the history after a reload or a resync) is not read out
 * one by one: the live region is off for a second. The view stays at the bottom when it was there,
 * or when the person's own message was added.
 */

/** More new items than this at once are history, not news. */
const QUIET_BATCH = 3;
const QUIET_MS = 1000;
/** Closer to the bottom than this counts as being at the bottom. */
const NEAR_BOTTOM_PX = 48;

export interface KeyedLogItems<I, N extends { li: HTMLElement }> {
  key: (item: I) => string;
  /** Written by the person looking (their new message scrolls the log down). */
  own: (item: I) => boolean;
  create: (item: I) => N;
}

export class KeyedLog<I, N extends { li: HTMLElement }> {
  private readonly box: HTMLElement;
  private readonly list: HTMLElement;
  private readonly items: KeyedLogItems<I, N>;
  private readonly nodes = new Map<string, N>();
  private quietTimer: ReturnType<typeof setTimeout> | null = null;

  /** `box` scrolls and holds the live region; `list` gets one element per item. */
  constructor(box: HTMLElement, list: HTMLElement, items: KeyedLogItems<I, N>) {
    this.box = box;
    this.list = list;
    this.items = items;
  }

  /** Shows `items` in this order; `update` brings each element (new or kept) up to date. */
  render(items: readonly I[], update: (node: N, item: I) => void): void {
    const box = this.box;
    const nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < NEAR_BOTTOM_PX;
    const keep = new Set<string>();
    let added = 0;
    let ownAdded = false;
    for (const [index, item] of items.entries()) {
      const key = this.items.key(item);
      keep.add(key);
      let node = this.nodes.get(key);
      if (!node) {
        node = this.items.create(item);
        this.nodes.set(key, node);
        added++;
        if (this.items.own(item)) ownAdded = true;
      }
      update(node, item);
      if (this.list.children[index] !== node.li)
        this.list.insertBefore(node.li, this.list.children[index] ?? null);
    }
    for (const [key, node] of [...this.nodes]) {
      if (keep.has(key)) continue;
      node.li.remove();
      this.nodes.delete(key);
    }
    if (added > QUIET_BATCH) this.quiet();
    if (added > 0 && (nearBottom || ownAdded)) box.scrollTop = box.scrollHeight;
  }

  /** Forgets every element (a new conversation). */
  clear(): void {
    this.nodes.clear();
    this.list.replaceChildren();
  }

  private quiet(): void {
    this.box.setAttribute('aria-live', 'off');
    if (this.quietTimer !== null) clearTimeout(this.quietTimer);
    this.quietTimer = setTimeout(() => {
      this.quietTimer = null;
      this.box.setAttribute('aria-live', 'polite');
    }, QUIET_MS);
  }
}
