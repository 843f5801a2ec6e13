import { age } from "../age.ts";
import type { KubeObject } from "../kube.ts";
import { containerCells, type LabelSelector, type NamedImage, selectorString } from "./format.ts";
import { ageColumn, column, type KindPrinter, nameColumn, WIDE } from "./table.ts";

export interface Deployment extends KubeObject {
  spec?: {
    replicas?: number;
    selector?: LabelSelector;
    template?: { spec?: { containers?: NamedImage[] } };
  };
  status?: {
    replicas?: number;
    readyReplicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
  };
}

export const deploymentColumns = [
  nameColumn,
  column("Ready", "Ready pods out of the desired replicas."),
  column("Up-to-date", "Replicas running the current pod template."),
  column("Available", "Replicas ready for at least minReadySeconds."),
  ageColumn,
  column("Containers", "Container names in the pod template.", WIDE),
  column("Images", "Container images in the pod template.", WIDE),
  column("Selector", "Label selector of the deployment's pods.", WIDE),
];

export const deploymentPrinter: KindPrinter = {
  columns: deploymentColumns,
  cells(object, now) {
    const deployment = object as Deployment;
    const spec = deployment.spec ?? {};
    const status = deployment.status ?? {};
    const { names, images } = containerCells(spec.template?.spec?.containers);
    // The API server defaults replicas to 1.
    const desired = spec.replicas ?? 1;
    return [
      deployment.metadata.name ?? "",
      `${status.readyReplicas ?? 0}/${desired}`,
      status.updatedReplicas ?? 0,
      status.availableReplicas ?? 0,
      age(deployment.metadata.creationTimestamp, now),
      names,
      images,
      // Unlike ReplicaSets, an empty selector prints as an empty cell here.
      selectorString(spec.selector) ?? "<invalid>",
    ];
  },
};
