/** A WebSocket stand-in for unit tests, driven by hand (the real server is tested elsewhere). */
import type { SocketLike } from '../net/connection';
import { decodeFrameStrict, encodeFrame, type Envelope } from '../proto/codec';

export class FakeSocket implements SocketLike {
  static all: FakeSocket[] = [];
  binaryType = 'blob';
  protocol = '';
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  sent: Envelope[] = [];
  closedWith: { code?: number; reason?: string } | null = null;

  constructor(
    readonly url: string,
    readonly requestedProtocol: string,
  ) {
    FakeSocket.all.push(this);
  }

  static last(): FakeSocket {
    const s = FakeSocket.all[FakeSocket.all.length - 1];
    if (!s) throw new Error('no socket');
    return s;
  }

  send(data: Uint8Array): void {
    this.sent.push(...decodeFrameStrict(data, 'c2s'));
  }

  close(code?: number, reason?: string): void {
    this.closedWith = { code, reason };
  }

  /** The server accepts the upgrade, selecting `protocol`. */
  accept(protocol = 'switchboard.v1'): void {
    this.protocol = protocol;
    this.onopen?.({});
  }

  serverSends(...envs: Envelope[]): void {
    const bytes = encodeFrame(envs);
    this.onmessage?.({ data: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) });
  }

  serverCloses(code: number, reason = ''): void {
    this.onclose?.({ code, reason });
  }

  lastRequest(): Envelope {
    const e = this.sent[this.sent.length - 1];
    if (!e) throw new Error('nothing sent');
    return e;
  }

  replyOk(reply: Record<string, unknown>): void {
    const req = this.lastRequest();
    this.serverSends({ t: 'ok', id: req.id ?? 0, request: req.t, b: reply });
  }

  replyError(code: string, message = code): void {
    const req = this.lastRequest();
    this.serverSends({ t: 'error', id: req.id ?? 0, b: { code, message } });
  }
}
