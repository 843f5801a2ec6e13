import type { Pod } from "../../model/kube.ts";
import { podColumns, podRowCells } from "../../model/podRow.ts";
import type { KindPrinter, TableRowCondition } from "./table.ts";

// The server marks finished pods on the row itself; clients such as `kubectl get -w` can use it.
const succeeded: TableRowCondition[] = [
  { type: "Completed", status: "True", reason: "Succeeded", message: "The pod has completed successfully." },
];
const failed: TableRowCondition[] = [
  { type: "Completed", status: "True", reason: "Failed", message: "The pod failed." },
];

export const podPrinter: KindPrinter = {
  columns: podColumns,
  cells: (object, now) => podRowCells(object as Pod, now),
  conditions(object) {
    const phase = (object as Pod).status?.phase;
    if (phase === "Succeeded") return succeeded;
    if (phase === "Failed") return failed;
    return undefined;
  },
};
