/** Changes document.title while something needs attention and puts the page's own title back. */
export class TitleAlert {
  private saved: string | null = null;
  private readonly doc: Pick<Document, 'title'>;

  constructor(doc: Pick<Document, 'title'> = document) {
    this.doc = doc;
  }

  get active(): boolean {
    return this.saved !== null;
  }

  /** Shows `text` as the title; the title from before the first show() is kept for restore(). */
  show(text: string): void {
    if (this.saved === null) this.saved = this.doc.title;
    this.doc.title = text;
  }

  restore(): void {
    if (this.saved === null) return;
    this.doc.title = this.saved;
    this.saved = null;
  }
}
