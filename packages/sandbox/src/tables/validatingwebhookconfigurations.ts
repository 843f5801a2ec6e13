import { age } from "../age.ts";
import { ageColumn, column, type KindPrinter, nameColumn } from "./table.ts";

export const validatingWebhookColumns = [
  nameColumn,
  column("Webhooks", "Number of webhooks in the configuration.", { type: "integer" }),
  ageColumn,
];

export const validatingWebhookPrinter: KindPrinter = {
  columns: validatingWebhookColumns,
  cells(object, now) {
    const webhooks = Array.isArray(object.webhooks) ? object.webhooks : [];
    return [object.metadata.name ?? "", webhooks.length, age(object.metadata.creationTimestamp, now)];
  },
};
