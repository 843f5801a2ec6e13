// What would fix a problem, as data: steps a person (or the tour) can take. Stage checks and the
// mesh analysis both say what would fix what they found this way, and each view words the steps
// its own way: the tour names the key that does it ("press r"), `run`, `status` and `analyze`
// print the kubectl command a person can paste. Nothing here says "press".
//
// `By` names the stage whose run performs a step; it is a type parameter so this layer does not
// know the stages (tutorial/fix.ts fixes it to StageId). Findings of the analysis name none.

export type FixStep<By extends string = never> =
  /** `kubectl label namespace NS k=v`; `by` names the stage whose run does it. */
  | { do: "label"; namespace: string; labels: Record<string, string>; overwrite?: boolean; by?: By }
  /** `kubectl rollout restart deployment ...`; the tour's restart key does it too. */
  | { do: "restart"; namespace: string; deployments: string[]; by?: By }
  /** `kubectl delete pod ...` so their controller (or nobody) creates them again. */
  | { do: "delete-pods"; namespace: string; pods: string[] }
  /**
   * `kubectl apply -f FILE`: `file` as the user knows it (an Istio release path or ours); with
   * `host`, its "*" hosts are bound to that one first (a workshop attendee's own host).
   */
  | { do: "apply"; namespace: string; file: string; host?: string; by?: By }
  /** A command to run, to look closer or change something by hand. */
  | { do: "run"; command: string }
  /** Something only someone else (the cluster admin) can do. */
  | { do: "ask"; who: string; command: string }
  /** Start the tour again with a flag (`--gateway-url HOST:PORT`). */
  | { do: "restart-tour"; flag: string }
  /** Run a stage again with one of its choices (`--delay 2s`); `option` is the choice's label. */
  | { do: "rerun"; stage: By; flag: string; option: string };

export interface Fix<By extends string = never> {
  /** Words before the steps, view-neutral: "the node cannot pull the image; the events say why". */
  lead?: string;
  steps: FixStep<By>[];
}

/** The kubectl command of a step, the way `run`, `status` and the tour's "run it yourself" print it. */
export function stepCommand(step: FixStep<string>): string {
  switch (step.do) {
    case "label": {
      const labels = Object.entries(step.labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(" ");
      return `kubectl label namespace ${step.namespace} ${labels}${step.overwrite ? " --overwrite" : ""}`;
    }
    case "restart":
      return `kubectl -n ${step.namespace} rollout restart deployment ${step.deployments.join(" ")}`;
    case "delete-pods":
      return `kubectl -n ${step.namespace} delete pod ${step.pods.join(" ")}`;
    case "apply":
      return step.host
        ? `sed 's/"\\*"/"${step.host}"/' ${step.file} | kubectl -n ${step.namespace} apply -f -`
        : `kubectl -n ${step.namespace} apply -f ${step.file}`;
    case "run":
    case "ask":
      return step.command;
    case "restart-tour":
      return `kubectl bookinfo ${step.flag}`;
    case "rerun":
      return `kubectl bookinfo run ${step.stage} ${step.flag}`;
  }
}

/** The fix as commands, for views without keys: "lead: cmd, then cmd". */
export function fixAsCommands(value: Fix<string>): string {
  const steps = value.steps.map((step) => {
    if (step.do === "ask") return `ask ${step.who} to run ${step.command}`;
    if (step.do === "restart-tour") return `start again with ${step.flag}`;
    return stepCommand(step);
  });
  const body = steps.join(", then ");
  if (!value.lead) return body;
  return body ? `${value.lead}: ${body}` : value.lead;
}
