/**
 * Where the widget connects: ws(s)://HOST/ws/customer of the `server` attribute
 * ("https://chat.example.gov"), or else of the origin the widget script was loaded from, or else
 * of the page. Returns null when none of these is an http(s) URL.
 */
export function customerSocketUrl(server: string | null, scriptUrl: string, pageUrl: string): string | null {
  for (const candidate of [server, scriptUrl, pageUrl]) {
    if (!candidate) continue;
    let u: URL;
    try {
      u = new URL(candidate);
    } catch {
      continue;
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') continue;
    return `${u.protocol === 'https:' ? 'wss' : 'ws'}://${u.host}/ws/customer`;
  }
  return null;
}
