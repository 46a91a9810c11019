import { getCurrentScope, onScopeDispose } from 'vue';
import type { ApplianceEvents, EventName } from '../../../main/events/bus';

type Handler<K extends EventName> = (data: ApplianceEvents[K]) => void;
type AnyHandler = (data: unknown) => void;

/**
 * One EventSource on /api/events shared by the whole UI. Opened when signed in
 * (connectEvents), closed on sign-out; reconnects with a growing delay when the
 * server goes away. Pages subscribe with useEvents().on(type, handler).
 */
const handlers = new Map<string, Set<AnyHandler>>();
let source: EventSource | null = null;
let wanted = false;
let retryTimer: ReturnType<typeof setTimeout> | undefined;
let retryDelayMs = 1000;
const MAX_RETRY_MS = 30_000;
/** Types already attached to the current EventSource. */
let attached = new Set<string>();

function dispatch(type: string, event: MessageEvent<string>): void {
  let data: unknown;
  try {
    data = event.data ? JSON.parse(event.data) : {};
  } catch {
    return;
  }
  for (const handler of [...(handlers.get(type) ?? [])]) handler(data);
}

function attach(type: string): void {
  if (!source || attached.has(type)) return;
  attached.add(type);
  source.addEventListener(type, (event) => dispatch(type, event as MessageEvent<string>));
}

function open(): void {
  clearTimeout(retryTimer);
  source?.close();
  attached = new Set();
  const next = new EventSource('/api/events', { withCredentials: true });
  source = next;
  next.onopen = () => {
    retryDelayMs = 1000;
  };
  next.onerror = () => {
    // The browser retries by itself while the stream is CONNECTING; once CLOSED
    // (server down, or 401 after the session ended) we retry on our own schedule.
    if (next.readyState !== EventSource.CLOSED || source !== next) return;
    source = null;
    if (!wanted) return;
    retryTimer = setTimeout(open, retryDelayMs);
    retryDelayMs = Math.min(retryDelayMs * 2, MAX_RETRY_MS);
  };
  for (const type of handlers.keys()) attach(type);
  // The server closes the stream after this one; do not reconnect into a 401.
  attach('session.ended');
}

export function connectEvents(): void {
  wanted = true;
  if (!source) open();
}

export function disconnectEvents(): void {
  wanted = false;
  clearTimeout(retryTimer);
  source?.close();
  source = null;
}

export function onEvent<K extends EventName>(type: K, handler: Handler<K>): () => void {
  let set = handlers.get(type);
  if (!set) handlers.set(type, (set = new Set()));
  set.add(handler as AnyHandler);
  attach(type);
  return () => set.delete(handler as AnyHandler);
}

/** Subscriptions made through this are dropped when the calling component unmounts. */
export function useEvents() {
  const unsubscribers: Array<() => void> = [];
  if (getCurrentScope()) onScopeDispose(() => unsubscribers.forEach((off) => off()));
  return {
    on<K extends EventName>(type: K, handler: Handler<K>): () => void {
      const off = onEvent(type, handler);
      unsubscribers.push(off);
      return off;
    },
  };
}
