/**
 * The appliance's live events: what the UI sees on its event stream (SSE).
 * Each capability adds its own events by declaration merging:
 *
 *   declare module '../events/bus.js' {
 *     interface ApplianceEvents { 'modem.status': ModemStatusEvent }
 *   }
 *
 * An event may name the permission a listener needs to receive it, so the event
 * stream never shows an operator what only an admin may see.
 */
import type { Permission } from '../auth/permissions.js';

export interface ApplianceEvents {
  /** A user was created, changed, disabled or had a password reset. */
  'user.changed': { userId: number; username: string; change: 'created' | 'updated' | 'disabled' | 'password' };
  /** Settings were saved; carries the keys that changed. */
  'settings.changed': { keys: string[] };
  /** A session ended (logout, expiry, user disabled): its event streams close. */
  'session.ended': { userId: number; reason: 'logout' | 'expired' | 'disabled' | 'password' };
  /** Progress of a long job (sync, import, bulk send): the UI draws a progress bar from it. */
  'job.progress': JobProgress;
}

export interface JobProgress {
  jobId: string;
  kind: string;
  label: string;
  done: number;
  total: number | null;
  ratePerSecond: number | null;
  etaSeconds: number | null;
  state: 'running' | 'finished' | 'failed' | 'cancelled';
  message?: string;
}

export type EventName = keyof ApplianceEvents;

export interface PublishedEvent<K extends EventName = EventName> {
  id: number;
  at: number;
  type: K;
  data: ApplianceEvents[K];
  /** Only listeners with this permission receive the event; undefined: every signed-in user. */
  permission: Permission | undefined;
}

type Listener = (event: PublishedEvent) => void;

export class EventBus {
  private nextId = 1;
  private readonly listeners = new Set<Listener>();

  constructor(private readonly now: () => number = Date.now) {}

  publish<K extends EventName>(type: K, data: ApplianceEvents[K], permission?: Permission): void {
    const event: PublishedEvent = { id: this.nextId++, at: this.now(), type, data, permission };
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch {
        // One broken listener (a closed socket) must not stop the others hearing the event.
      }
    }
  }

  /** Returns the function that unsubscribes. */
  onDidPublish(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }
}
