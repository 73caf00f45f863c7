/**
 * Client message ids: 32 hex digits (a random UUID without its dashes), within the protocol's `id`
 * charset [A-Za-z0-9_.:-]. crypto.randomUUID exists only in secure contexts (https, localhost); a
 * host page served over plain http still has crypto.getRandomValues.
 */
export const CLIENT_MSG_ID_RE = /^[A-Za-z0-9_.:-]{1,64}$/;

export function newClientMsgId(
  c: Pick<Crypto, 'getRandomValues'> & Partial<Pick<Crypto, 'randomUUID'>> = crypto,
): string {
  if (typeof c.randomUUID === 'function') return c.randomUUID().replaceAll('-', '');
  const bytes = c.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** UTF-8 length of a string, for the byte limits of the protocol. */
export function utf8Length(s: string): number {
  return new TextEncoder().encode(s).length;
}
