// The seam for the analyzer's findings (Istio's IST codes) in the facilitator's room view. The
// analyzer lives in source/analysis/ once it lands; until then no attendee has a finding and the
// column stays empty. Wire it here: one function from an attendee's snapshot to their latest
// finding, so the room's rows, its JSON and its screen all pick it up.

import type { Snapshot } from "../model/snapshot.ts";

export interface RoomFinding {
  /** Istio's analyzer code, e.g. "IST0101". */
  code: string;
  /** One line for the row. */
  message: string;
}

export function latestFinding(_snapshot: Snapshot): RoomFinding | null {
  return null;
}
