import { age } from "../age.ts";
import type { KubeObject } from "../kube.ts";
import { ageColumn, column, type KindPrinter, nameColumn } from "./table.ts";

export interface MutatingWebhookConfiguration extends KubeObject {
  webhooks?: unknown[];
}

export const mutatingWebhookColumns = [
  nameColumn,
  column("Webhooks", "Number of webhooks in the configuration.", { type: "integer" }),
  ageColumn,
];

export const mutatingWebhookPrinter: KindPrinter = {
  columns: mutatingWebhookColumns,
  cells(object, now) {
    const configuration = object as MutatingWebhookConfiguration;
    return [
      configuration.metadata.name ?? "",
      configuration.webhooks?.length ?? 0,
      age(configuration.metadata.creationTimestamp, now),
    ];
  },
};
