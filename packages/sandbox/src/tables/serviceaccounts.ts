import { age } from "../age.ts";
import type { KubeObject } from "../kube.ts";
import { ageColumn, column, type KindPrinter, nameColumn } from "./table.ts";

export interface ServiceAccount extends KubeObject {
  secrets?: { name?: string }[];
}

export const serviceAccountColumns = [
  nameColumn,
  column("Secrets", "Number of secrets listed on the service account.", { type: "integer" }),
  ageColumn,
];

export const serviceAccountPrinter: KindPrinter = {
  columns: serviceAccountColumns,
  cells(object, now) {
    const account = object as ServiceAccount;
    return [
      account.metadata.name ?? "",
      account.secrets?.length ?? 0,
      age(account.metadata.creationTimestamp, now),
    ];
  },
};
