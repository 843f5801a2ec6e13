import { age } from "../age.ts";
import type { KubeObject } from "../kube.ts";
import { ageColumn, column, type KindPrinter, nameColumn } from "./table.ts";

export interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}

export const configMapColumns = [
  nameColumn,
  column("Data", "Number of keys, text and binary together.", { type: "integer" }),
  ageColumn,
];

export const configMapPrinter: KindPrinter = {
  columns: configMapColumns,
  cells(object, now) {
    const configMap = object as ConfigMap;
    const keys = Object.keys(configMap.data ?? {}).length + Object.keys(configMap.binaryData ?? {}).length;
    return [configMap.metadata.name ?? "", keys, age(configMap.metadata.creationTimestamp, now)];
  },
};
