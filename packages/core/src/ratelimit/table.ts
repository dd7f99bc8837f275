/**
 * The bounded keyed store, slot for slot the same as the Rust one
 * (`crates/switchyard/src/ratelimit/table.rs`), because which key is evicted is part of the
 * specification: open addressing with linear probing over `maxKeys + ceil(maxKeys / 4)` slots;
 * home slot = low 32 bits of the key hash modulo the slot count; deletion by backward shift; a
 * sweep cursor examining {@link SWEEP_LIMIT} slots when a new key arrives at a full table.
 * @internal
 */

/** Slots the sweep examines, from the cursor, when the table is full and a new key arrives. */
export const SWEEP_LIMIT = 32;

/** @internal */
export class KeyTable {
  readonly slots: number;
  readonly maxKeys: number;
  readonly width: number;
  /** High and low 32 bits of each slot's key hash; both 0 = empty. */
  readonly hi: Uint32Array;
  readonly lo: Uint32Array;
  /** `width` numbers of policy state per slot. */
  readonly state: Float64Array;
  size = 0;
  cursor = 0;

  constructor(maxKeys: number, width: number) {
    this.maxKeys = maxKeys;
    this.width = width;
    this.slots = maxKeys + Math.ceil(maxKeys / 4);
    this.hi = new Uint32Array(this.slots);
    this.lo = new Uint32Array(this.slots);
    this.state = new Float64Array(this.slots * width);
  }

  get full(): boolean {
    return this.size >= this.maxKeys;
  }

  private next(i: number): number {
    return i + 1 === this.slots ? 0 : i + 1;
  }

  /** Slot of the hash, or -1. Terminates: at least a fifth of the slots are empty. */
  find(hi: number, lo: number): number {
    let i = lo % this.slots;
    for (;;) {
      const slotLo = this.lo[i]!;
      const slotHi = this.hi[i]!;
      if (slotLo === lo && slotHi === hi) return i;
      if (slotLo === 0 && slotHi === 0) return -1;
      i = this.next(i);
    }
  }

  /** Stores a hash known to be absent (the caller checked `!full`); its state is the caller's to set. */
  insert(hi: number, lo: number): number {
    let i = lo % this.slots;
    while (this.hi[i] !== 0 || this.lo[i] !== 0) i = this.next(i);
    this.hi[i] = hi;
    this.lo[i] = lo;
    this.size++;
    return i;
  }

  /** Empties slot `i`, shifting later members of its probe run back (no tombstones). */
  removeAt(i: number): void {
    if (this.hi[i] === 0 && this.lo[i] === 0) return;
    const { state, width } = this;
    let j = i;
    for (let step = 0; step < this.slots; step++) {
      j = this.next(j);
      const hi = this.hi[j]!;
      const lo = this.lo[j]!;
      if (hi === 0 && lo === 0) break;
      const k = lo % this.slots;
      // Stays if its home lies cyclically in (i, j]; moved to i it would sit before its home.
      const stays = i <= j ? i < k && k <= j : i < k || k <= j;
      if (!stays) {
        this.hi[i] = hi;
        this.lo[i] = lo;
        state.copyWithin(i * width, j * width, j * width + width);
        i = j;
      }
    }
    this.hi[i] = 0;
    this.lo[i] = 0;
    state.fill(0, i * width, i * width + width);
    this.size--;
  }

  /** First occupied slot among the {@link SWEEP_LIMIT} from the cursor that `isIdle` accepts, or -1. */
  findIdle(isIdle: (at: number) => boolean): number {
    let i = this.cursor;
    const limit = Math.min(SWEEP_LIMIT, this.slots);
    for (let step = 0; step < limit; step++) {
      if ((this.hi[i] !== 0 || this.lo[i] !== 0) && isIdle(i * this.width)) return i;
      i = this.next(i);
    }
    return -1;
  }

  /** Moves the cursor past the slot found, or past every slot examined when none was. */
  advanceCursor(found: number): void {
    this.cursor = found >= 0 ? this.next(found) : (this.cursor + Math.min(SWEEP_LIMIT, this.slots)) % this.slots;
  }
}
