import { describe, expect, it } from 'vitest';

import { OfferNotifier, type NotificationApi } from './notify';
import { OfferSound, SOUND_KEY, type AudioContextLike } from './sound';

function fakeAudio(): { ctx: AudioContextLike & { state: string }; started: number[] } {
  const started: number[] = [];
  const param = { setValueAtTime: () => param, exponentialRampToValueAtTime: () => param };
  const ctx = {
    state: 'suspended',
    currentTime: 0,
    destination: {},
    resume() {
      ctx.state = 'running';
      return Promise.resolve();
    },
    createOscillator: () => ({
      type: '',
      frequency: param,
      connect: () => undefined,
      start: (t: number) => {
        started.push(t);
      },
      stop: () => undefined,
    }),
    createGain: () => ({ gain: param, connect: () => undefined }),
  };
  return { ctx, started };
}

function memoryStorage(): Storage {
  const m = new Map<string, string>();
  return {
    get length() {
      return m.size;
    },
    clear: () => {
      m.clear();
    },
    getItem: (k) => m.get(k) ?? null,
    key: () => null,
    removeItem: (k) => m.delete(k),
    setItem: (k, v) => m.set(k, v),
  };
}

describe('OfferSound', () => {
  it('plays nothing until the agent turns sound on, then a two-note chime', async () => {
    const a = fakeAudio();
    const store = memoryStorage();
    const s = new OfferSound(
      () => a.ctx,
      () => store,
    );
    expect(s.chime()).toBe(false);
    expect(a.started).toEqual([]);
    expect(await s.enable(false)).toBe(true);
    expect(store.getItem(SOUND_KEY)).toBe('on');
    expect(s.chime()).toBe(true);
    expect(a.started).toHaveLength(2);
    s.disable();
    expect(s.chime()).toBe(false);
    expect(store.getItem(SOUND_KEY)).toBe('off');
  });

  it('remembers the choice; after a reload the sound waits for a user gesture', async () => {
    const a = fakeAudio();
    const store = memoryStorage();
    store.setItem(SOUND_KEY, 'on');
    const s = new OfferSound(
      () => a.ctx,
      () => store,
    );
    expect(s.storedPreference()).toBe(true);
    s.enableLater();
    expect(s.blocked).toBe(true);
    expect(s.chime()).toBe(false);
    await s.unlock(); // the first click on the page
    expect(s.blocked).toBe(false);
    expect(s.chime()).toBe(true);
  });

  it('works without Web Audio', async () => {
    const s = new OfferSound(
      () => null,
      () => null,
    );
    expect(await s.enable()).toBe(false);
    expect(s.chime()).toBe(false);
  });
});

describe('OfferNotifier', () => {
  function fakeApi(permission: NotificationPermission) {
    const shown: Array<{ title: string; options?: NotificationOptions; closed: boolean }> = [];
    class N {
      static permission = permission;
      static requestPermission = () => {
        N.permission = 'granted';
        return Promise.resolve<NotificationPermission>('granted');
      };
      onclick: ((ev: unknown) => void) | null = null;
      private readonly rec: { title: string; options?: NotificationOptions; closed: boolean };
      constructor(title: string, options?: NotificationOptions) {
        this.rec = { title, options, closed: false };
        shown.push(this.rec);
      }
      close() {
        this.rec.closed = true;
      }
    }
    return { api: N as unknown as NotificationApi, shown };
  }

  it('shows nothing without permission, and asks only when told to', async () => {
    const f = fakeApi('default');
    const n = new OfferNotifier(f.api);
    expect(n.show('1', 'New chat offer', 'x', () => undefined)).toBe(false);
    expect(await n.request()).toBe('granted');
    expect(n.show('1', 'New chat offer', 'Queue · English · 30 s to accept', () => undefined)).toBe(true);
    expect(f.shown[0]).toMatchObject({ title: 'New chat offer', options: { requireInteraction: true } });
    n.close('2'); // another offer's key: stays
    expect(f.shown[0]?.closed).toBe(false);
    n.close('1');
    expect(f.shown[0]?.closed).toBe(true);
  });

  it('says when the browser has no notifications', () => {
    expect(new OfferNotifier(null).permission).toBe('unsupported');
  });
});
