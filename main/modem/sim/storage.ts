import type { MemoryName } from './personality.js';

/** <stat> of 3GPP TS 27.005 in PDU mode: received unread/read, stored unsent/sent. */
export type MessageStat = 0 | 1 | 2 | 3;

export interface StoredMessage {
  stat: MessageStat;
  /** The PDU as the modem shows it in CMGR/CMGL: hex, with the SMSC octets in front. */
  pdu: string;
  kind: 'deliver' | 'status-report' | 'submit';
}

export interface StorageOptions {
  /** Slots on the SIM ("SM"). */
  sm: number;
  /** Slots in the device ("ME"). */
  me: number;
  /** First index: 1 as the standard has it, 0 on devices that number from zero. */
  indexBase: 0 | 1;
}

type Physical = 'SM' | 'ME';

/**
 * The message slots of the SIM and the device. "MT" is the two together:
 * SIM slots first, then the device's, numbered on from where the SIM's end.
 */
export class MessageSlots {
  private readonly slots: Record<Physical, (StoredMessage | undefined)[]>;
  /** A fault: every store fails and the storage reports itself full. */
  full = false;

  constructor(readonly options: StorageOptions) {
    this.slots = { SM: new Array(options.sm).fill(undefined), ME: new Array(options.me).fill(undefined) };
  }

  capacity(memory: MemoryName): number {
    return memory === 'MT' ? this.options.sm + this.options.me : this.options[memory === 'SM' ? 'sm' : 'me'];
  }

  used(memory: MemoryName): number {
    if (this.full) return this.capacity(memory);
    return this.entries(memory).length;
  }

  /** Stores a message in the first free slot; undefined when the memory is full. */
  store(memory: MemoryName, message: StoredMessage): number | undefined {
    if (this.full) return undefined;
    for (const physical of this.physicals(memory)) {
      const slots = this.slots[physical];
      const free = slots.findIndex((slot) => slot === undefined);
      if (free >= 0) {
        slots[free] = message;
        return this.indexOf(memory, physical, free);
      }
    }
    return undefined;
  }

  /** The message at an index, null for an empty slot, undefined when the index is out of range. */
  read(memory: MemoryName, index: number): StoredMessage | null | undefined {
    const place = this.locate(memory, index);
    if (!place) return undefined;
    return this.slots[place.physical][place.offset] ?? null;
  }

  /** Returns false when the index is out of range; deleting an empty slot is fine. */
  delete(memory: MemoryName, index: number): boolean {
    const place = this.locate(memory, index);
    if (!place) return false;
    this.slots[place.physical][place.offset] = undefined;
    return true;
  }

  /** Messages in index order. */
  entries(memory: MemoryName): Array<{ index: number; message: StoredMessage }> {
    const out: Array<{ index: number; message: StoredMessage }> = [];
    for (const physical of this.physicals(memory)) {
      this.slots[physical].forEach((message, offset) => {
        if (message) out.push({ index: this.indexOf(memory, physical, offset), message });
      });
    }
    return out;
  }

  clear(): void {
    for (const physical of ['SM', 'ME'] as const) this.slots[physical].fill(undefined);
  }

  private physicals(memory: MemoryName): Physical[] {
    return memory === 'MT' ? ['SM', 'ME'] : [memory];
  }

  private indexOf(memory: MemoryName, physical: Physical, offset: number): number {
    const shift = memory === 'MT' && physical === 'ME' ? this.options.sm : 0;
    return this.options.indexBase + shift + offset;
  }

  private locate(memory: MemoryName, index: number): { physical: Physical; offset: number } | undefined {
    let offset = index - this.options.indexBase;
    if (!Number.isInteger(offset) || offset < 0) return undefined;
    for (const physical of this.physicals(memory)) {
      const size = this.slots[physical].length;
      if (offset < size) return { physical, offset };
      offset -= size;
    }
    return undefined;
  }
}
