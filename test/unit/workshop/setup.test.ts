import assert from "node:assert/strict";
import {
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { load } from "js-yaml";
import { ensurePrivateDirectory, writePrivateFile } from "../../../source/cli/privateFile.ts";
import { parseDuration } from "../../../source/cli/workshopCli.ts";
import { resolveTarget } from "../../../source/cluster/kubeconfig.ts";
import {
  attendeeKubeconfig,
  attendeeOrder,
  attendeeRules,
  attendeesOf,
} from "../../../source/cluster/workshop.ts";

describe("what setup makes for each attendee", () => {
  test("attendee-1 ... attendee-N, each with a host of their own", () => {
    assert.deepEqual(attendeesOf("room", 2, "bookinfo.local"), [
      { number: 1, namespace: "room-1", host: "room-1.bookinfo.local" },
      { number: 2, namespace: "room-2", host: "room-2.bookinfo.local" },
    ]);
    assert.deepEqual(["a-10", "a-2", "a-1"].sort(attendeeOrder), ["a-1", "a-2", "a-10"]);
  });

  test("the Role writes the stages' kinds and reads what kubectl's commands read, and nothing else", () => {
    const rules = attendeeRules([
      { group: "apps", plural: "deployments" },
      { group: "", plural: "services" },
      { group: "", plural: "serviceaccounts" },
      { group: "networking.istio.io", plural: "gateways" },
      { group: "networking.istio.io", plural: "virtualservices" },
    ]);
    const write = ["get", "list", "watch", "create", "update", "patch", "delete"];
    assert.deepEqual(rules, [
      { apiGroups: ["apps"], resources: ["deployments"], verbs: write },
      { apiGroups: [""], resources: ["serviceaccounts", "services"], verbs: write },
      { apiGroups: ["networking.istio.io"], resources: ["gateways", "virtualservices"], verbs: write },
      { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch", "delete"] },
      { apiGroups: [""], resources: ["pods/log"], verbs: ["get"] },
      { apiGroups: [""], resources: ["endpoints", "events"], verbs: ["get", "list", "watch"] },
      { apiGroups: ["apps"], resources: ["replicasets"], verbs: ["get", "list", "watch"] },
      {
        apiGroups: [""],
        resources: ["configmaps"],
        resourceNames: ["bookinfo-workshop"],
        verbs: ["get", "list", "watch"],
      },
    ]);
    assert.ok(!JSON.stringify(rules).includes("secrets"));
    assert.ok(!JSON.stringify(rules).includes("roles"));
  });

  test("a kubeconfig of its own: the facilitator's cluster with its CA inline, the token, the namespace", () => {
    const dir = mkdtempSync(join(tmpdir(), "attendee-kubeconfig-"));
    writeFileSync(join(dir, "ca.crt"), "-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----\n");
    writeFileSync(
      join(dir, "config"),
      [
        "apiVersion: v1",
        "kind: Config",
        "current-context: admin",
        "clusters: [{name: shared, cluster: {server: 'https://10.0.0.1:6443', certificate-authority: ca.crt, tls-server-name: api.internal}}]",
        "users: [{name: admin, user: {token: secret-admin-token}}]",
        "contexts: [{name: admin, context: {cluster: shared, user: admin}}]",
      ].join("\n"),
    );
    const target = resolveTarget({ kubeconfig: join(dir, "config") }, {});
    const text = attendeeKubeconfig(
      target,
      { number: 4, namespace: "attendee-4", host: "attendee-4.bookinfo.local" },
      "attendee-token",
      readFileSync(join(dir, "ca.crt"), "utf8"),
    );
    assert.ok(
      !text.includes("secret-admin-token"),
      "the facilitator's credentials stay with the facilitator",
    );
    const config = load(text) as Record<string, any>;
    assert.equal(config["current-context"], "attendee-4");
    assert.deepEqual(config.contexts, [
      {
        name: "attendee-4",
        context: { cluster: "shared", user: "attendee-4-attendee", namespace: "attendee-4" },
      },
    ]);
    assert.deepEqual(config.users, [{ name: "attendee-4-attendee", user: { token: "attendee-token" } }]);
    assert.equal(config.clusters[0].cluster.server, "https://10.0.0.1:6443");
    assert.equal(config.clusters[0].cluster["tls-server-name"], "api.internal");
    assert.equal(
      Buffer.from(config.clusters[0].cluster["certificate-authority-data"], "base64").toString(),
      readFileSync(join(dir, "ca.crt"), "utf8"),
    );
    // It works as it is: kubectl's rules read it back to the attendee's namespace.
    writeFileSync(join(dir, "attendee"), text);
    assert.equal(resolveTarget({ kubeconfig: join(dir, "attendee") }, {}).namespace, "attendee-4");
  });
});

describe("files that hold tokens", () => {
  test("0600, through a new file and a rename; a link in their place is refused, not followed", () => {
    const dir = mkdtempSync(join(tmpdir(), "private-"));
    const file = join(dir, "attendee-1.kubeconfig");
    writePrivateFile(file, "first");
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const victim = join(dir, "victim");
    writeFileSync(victim, "do not touch");
    const link = join(dir, "attendee-2.kubeconfig");
    symlinkSync(victim, link);
    assert.throws(
      () => writePrivateFile(link, "second"),
      /is a symbolic link; files holding credentials are written only as regular files/,
    );
    assert.equal(readFileSync(victim, "utf8"), "do not touch");
    assert.equal(lstatSync(link).isSymbolicLink(), true);
    writePrivateFile(file, "again");
    assert.equal(readFileSync(file, "utf8"), "again");
    assert.deepEqual(
      readdirSync(dir).sort(),
      ["attendee-1.kubeconfig", "attendee-2.kubeconfig", "victim"],
      "no temporary file left",
    );
  });

  test("the directory is made 0700; a link or a file in its place is refused", () => {
    const base = mkdtempSync(join(tmpdir(), "private-dir-"));
    ensurePrivateDirectory(join(base, "room"));
    assert.equal(statSync(join(base, "room")).mode & 0o777, 0o700);
    symlinkSync(join(base, "room"), join(base, "link"));
    assert.throws(
      () => ensurePrivateDirectory(join(base, "link")),
      /is a symbolic link; pass the directory it points to/,
    );
    assert.equal(readlinkSync(join(base, "link")), join(base, "room"));
    writeFileSync(join(base, "file"), "");
    assert.throws(
      () => ensurePrivateDirectory(join(base, "file")),
      /is not a directory; pass another one with --out\./,
    );
  });
});

test("durations as kubectl takes them", () => {
  assert.equal(parseDuration("8h"), 8 * 3_600_000);
  assert.equal(parseDuration("1h30m"), 90 * 60_000);
  assert.equal(parseDuration("90s"), 90_000);
  assert.equal(parseDuration("500ms"), 500);
  assert.equal(parseDuration("300"), 300_000);
  for (const bad of ["", "8 hours", "h", "1d", "-5m"])
    assert.throws(() => parseDuration(bad), /it must be a duration/, bad);
});
