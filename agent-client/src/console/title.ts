/**
 * Changes document.title while something needs attention and puts the page's own title back.
 * Several things may want the title at once (a new offer, unread chat messages): each has a key,
 * the first key shown wins until it is restored ('offer' always first), and the page's own title
 * comes back when none is left.
 */
export class TitleAlert {
  private saved: string | null = null;
  private readonly wanted = new Map<string, string>();
  private readonly doc: Pick<Document, 'title'>;

  constructor(doc: Pick<Document, 'title'> = document) {
    this.doc = doc;
  }

  get active(): boolean {
    return this.saved !== null;
  }

  /** Shows `text` as the title; the title from before the first show() is kept for restore(). */
  show(text: string, key = 'offer'): void {
    if (this.saved === null) this.saved = this.doc.title;
    this.wanted.set(key, text);
    this.apply();
  }

  restore(key = 'offer'): void {
    this.wanted.delete(key);
    this.apply();
  }

  private apply(): void {
    if (this.saved === null) return;
    const top = this.wanted.get('offer') ?? [...this.wanted.values()][0];
    if (top !== undefined) {
      this.doc.title = top;
      return;
    }
    this.doc.title = this.saved;
    this.saved = null;
  }
}
