import { age } from "../age.ts";
import type { KubeObject } from "../kube.ts";
import {
  containerCells,
  formatLabels,
  type LabelSelector,
  type NamedImage,
  selectorString,
} from "./format.ts";
import { ageColumn, column, type KindPrinter, nameColumn, WIDE } from "./table.ts";

export interface DaemonSet extends KubeObject {
  spec?: {
    selector?: LabelSelector;
    template?: { spec?: { containers?: NamedImage[]; nodeSelector?: Record<string, string> } };
  };
  status?: {
    desiredNumberScheduled?: number;
    currentNumberScheduled?: number;
    numberReady?: number;
    updatedNumberScheduled?: number;
    numberAvailable?: number;
  };
}

const integer = { type: "integer" } as const;

export const daemonSetColumns = [
  nameColumn,
  column("Desired", "The number of nodes that should be running the daemon pod.", integer),
  column("Current", "The number of nodes running at least one daemon pod that should.", integer),
  column("Ready", "The number of nodes running the daemon pod with a Ready pod.", integer),
  column("Up-to-date", "The number of nodes running the updated daemon pod.", integer),
  column("Available", "The number of nodes running an available daemon pod.", integer),
  column("Node Selector", "The node labels a node needs to run the daemon pod."),
  ageColumn,
  column("Containers", "Container names in the pod template.", WIDE),
  column("Images", "Container images in the pod template.", WIDE),
  column("Selector", "Label selector of the daemon pods.", WIDE),
];

export const daemonSetPrinter: KindPrinter = {
  columns: daemonSetColumns,
  cells(object, now) {
    const daemonSet = object as DaemonSet;
    const spec = daemonSet.spec ?? {};
    const status = daemonSet.status ?? {};
    const { names, images } = containerCells(spec.template?.spec?.containers);
    return [
      daemonSet.metadata.name ?? "",
      status.desiredNumberScheduled ?? 0,
      status.currentNumberScheduled ?? 0,
      status.numberReady ?? 0,
      status.updatedNumberScheduled ?? 0,
      status.numberAvailable ?? 0,
      formatLabels(spec.template?.spec?.nodeSelector),
      age(daemonSet.metadata.creationTimestamp, now),
      names,
      images,
      selectorString(spec.selector) ?? "<invalid>",
    ];
  },
};
