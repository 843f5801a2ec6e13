import { age } from "../age.ts";
import type { KubeObject } from "../kube.ts";
import { containerCells, formatLabelSelector, type LabelSelector, type NamedImage } from "./format.ts";
import { ageColumn, column, type KindPrinter, nameColumn, WIDE } from "./table.ts";

export interface ReplicaSet extends KubeObject {
  spec?: {
    replicas?: number;
    selector?: LabelSelector;
    template?: { spec?: { containers?: NamedImage[] } };
  };
  status?: { replicas?: number; readyReplicas?: number };
}

export const replicaSetColumns = [
  nameColumn,
  column("Desired", "Replicas the ReplicaSet wants.", { type: "integer" }),
  column("Current", "Replicas that exist.", { type: "integer" }),
  column("Ready", "Replicas that are ready.", { type: "integer" }),
  ageColumn,
  column("Containers", "Container names in the pod template.", WIDE),
  column("Images", "Container images in the pod template.", WIDE),
  column("Selector", "Label selector of the ReplicaSet's pods.", WIDE),
];

export const replicaSetPrinter: KindPrinter = {
  columns: replicaSetColumns,
  cells(object, now) {
    const replicaSet = object as ReplicaSet;
    const spec = replicaSet.spec ?? {};
    const { names, images } = containerCells(spec.template?.spec?.containers);
    return [
      replicaSet.metadata.name ?? "",
      // The API server defaults replicas to 1.
      spec.replicas ?? 1,
      replicaSet.status?.replicas ?? 0,
      replicaSet.status?.readyReplicas ?? 0,
      age(replicaSet.metadata.creationTimestamp, now),
      names,
      images,
      formatLabelSelector(spec.selector),
    ];
  },
};
