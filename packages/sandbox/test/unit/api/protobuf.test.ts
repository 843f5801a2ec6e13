import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import {
  decodeKubernetesProtobuf,
  isKubernetesProtobuf,
  ProtobufDecodeError,
  ProtobufUnsupportedError,
} from "../../../src/api/protobuf.ts";
import type { KubeObject } from "../../../src/kube.ts";

// The .bin fixtures are request bodies kubectl 1.32.4 POSTed to a logging server (namespace default). Each
// expectation is what `kubectl create ... --dry-run=client -o json` prints for the same command, minus
// `"creationTimestamp": null`, which the decoder leaves out.
const fixtures = new URL("../../fixtures/protobuf/", import.meta.url);
const fixture = (name: string): Buffer => readFileSync(new URL(name, fixtures));
const decodeFixture = (name: string): KubeObject => decodeKubernetesProtobuf(fixture(`${name}.bin`));

const captured: [fixture: string, command: string, expected: KubeObject][] = [
  [
    "namespace",
    "create namespace demo",
    { kind: "Namespace", apiVersion: "v1", metadata: { name: "demo" }, spec: {}, status: {} },
  ],
  [
    "configmap-literals",
    "create configmap cfg --from-literal=a=1 --from-literal=b=two",
    { kind: "ConfigMap", apiVersion: "v1", metadata: { name: "cfg" }, data: { a: "1", b: "two" } },
  ],
  [
    "configmap-files",
    "create configmap cfg2 --from-file=bin.dat --from-file=txt.dat (bin.dat holds 00 01 ff)",
    {
      kind: "ConfigMap",
      apiVersion: "v1",
      metadata: { name: "cfg2" },
      data: { "txt.dat": "hello\n" },
      binaryData: { "bin.dat": "AAH/" },
    },
  ],
  [
    "configmap-empty",
    "create configmap empty",
    { kind: "ConfigMap", apiVersion: "v1", metadata: { name: "empty" } },
  ],
  [
    "serviceaccount",
    "create serviceaccount sa1",
    { kind: "ServiceAccount", apiVersion: "v1", metadata: { name: "sa1" } },
  ],
  [
    "secret-generic",
    "create secret generic s1 --from-literal=user=admin --from-literal=pw=s3cret",
    {
      kind: "Secret",
      apiVersion: "v1",
      metadata: { name: "s1" },
      data: { pw: "czNjcmV0", user: "YWRtaW4=" },
    },
  ],
  [
    "secret-dockerregistry",
    "create secret docker-registry reg --docker-server=r.example.com --docker-username=u --docker-password=p",
    {
      kind: "Secret",
      apiVersion: "v1",
      metadata: { name: "reg" },
      data: {
        ".dockerconfigjson":
          "eyJhdXRocyI6eyJyLmV4YW1wbGUuY29tIjp7InVzZXJuYW1lIjoidSIsInBhc3N3b3JkIjoicCIsImF1dGgiOiJkVHB3In19fQ==",
      },
      type: "kubernetes.io/dockerconfigjson",
    },
  ],
  [
    "deployment",
    "create deployment web --image=nginx:1.27 --replicas=3 --port=80",
    {
      kind: "Deployment",
      apiVersion: "apps/v1",
      metadata: { name: "web", labels: { app: "web" } },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: "web" } },
        template: {
          metadata: { labels: { app: "web" } },
          spec: {
            containers: [
              { name: "nginx", image: "nginx:1.27", ports: [{ containerPort: 80 }], resources: {} },
            ],
          },
        },
        strategy: {},
      },
      status: {},
    },
  ],
  [
    "deployment-multi",
    "create deployment multi --image=busybox --image=nginx:1.27",
    {
      kind: "Deployment",
      apiVersion: "apps/v1",
      metadata: { name: "multi", labels: { app: "multi" } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: "multi" } },
        template: {
          metadata: { labels: { app: "multi" } },
          spec: {
            containers: [
              { name: "busybox", image: "busybox", resources: {} },
              { name: "nginx", image: "nginx:1.27", resources: {} },
            ],
          },
        },
        strategy: {},
      },
      status: {},
    },
  ],
  [
    "deployment-command",
    "create deployment cmd --image=busybox --port=8080 -- sleep 3600",
    {
      kind: "Deployment",
      apiVersion: "apps/v1",
      metadata: { name: "cmd", labels: { app: "cmd" } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: "cmd" } },
        template: {
          metadata: { labels: { app: "cmd" } },
          spec: {
            containers: [
              {
                name: "busybox",
                image: "busybox",
                command: ["sleep", "3600"],
                ports: [{ containerPort: 8080 }],
                resources: {},
              },
            ],
          },
        },
        strategy: {},
      },
      status: {},
    },
  ],
  [
    "service-clusterip",
    "create service clusterip svc1 --tcp=80:8080 --tcp=443:https",
    {
      kind: "Service",
      apiVersion: "v1",
      metadata: { name: "svc1", labels: { app: "svc1" } },
      spec: {
        ports: [
          { name: "80-8080", protocol: "TCP", port: 80, targetPort: 8080 },
          { name: "443-https", protocol: "TCP", port: 443, targetPort: "https" },
        ],
        selector: { app: "svc1" },
        type: "ClusterIP",
      },
      status: { loadBalancer: {} },
    },
  ],
  [
    "service-nodeport",
    "create service nodeport np1 --tcp=80:8080 --node-port=30080",
    {
      kind: "Service",
      apiVersion: "v1",
      metadata: { name: "np1", labels: { app: "np1" } },
      spec: {
        ports: [{ name: "80-8080", protocol: "TCP", port: 80, targetPort: 8080, nodePort: 30080 }],
        selector: { app: "np1" },
        type: "NodePort",
      },
      status: { loadBalancer: {} },
    },
  ],
  [
    "service-headless",
    "create service clusterip headless --clusterip=None",
    {
      kind: "Service",
      apiVersion: "v1",
      metadata: { name: "headless", labels: { app: "headless" } },
      spec: { selector: { app: "headless" }, clusterIP: "None", type: "ClusterIP" },
      status: { loadBalancer: {} },
    },
  ],
  [
    "service-externalname",
    "create service externalname ext --external-name=example.com",
    {
      kind: "Service",
      apiVersion: "v1",
      metadata: { name: "ext", labels: { app: "ext" } },
      spec: { selector: { app: "ext" }, type: "ExternalName", externalName: "example.com" },
      status: { loadBalancer: {} },
    },
  ],
  [
    "service-loadbalancer",
    "create service loadbalancer lb --tcp=5678:8080",
    {
      kind: "Service",
      apiVersion: "v1",
      metadata: { name: "lb", labels: { app: "lb" } },
      spec: {
        ports: [{ name: "5678-8080", protocol: "TCP", port: 5678, targetPort: 8080 }],
        selector: { app: "lb" },
        type: "LoadBalancer",
      },
      status: { loadBalancer: {} },
    },
  ],
];

describe("decodeKubernetesProtobuf on bodies kubectl sent", () => {
  for (const [name, command, expected] of captured) {
    it(`decodes kubectl ${command}`, () => {
      assert.deepEqual(decodeFixture(name), expected);
    });
  }

  it("decodes a rich Pod the way kubectl debug --copy-to sent it", () => {
    // The server answered GET pods/rich with a Pod using most PodSpec features; kubectl debug rich
    // --copy-to=rich-copy --image=busybox:1.36 --container=dbg then POSTed the copy. The expectation is that
    // JSON with kubectl's own edits applied (fresh metadata, no nodeName or status, the dbg container appended)
    // and omitempty applied (env value "", hostNetwork false).
    const expected = JSON.parse(fixture("pod-debug-copy.json").toString("utf8")) as KubeObject;
    assert.deepEqual(decodeFixture("pod-debug-copy"), expected);
  });
});

describe("decodeKubernetesProtobuf errors", () => {
  it("throws a ProtobufDecodeError for every cut of a body that loses part of the object", () => {
    const body = fixture("deployment.bin");
    // The four trailing bytes are the empty contentEncoding and contentType; dropping them loses nothing.
    for (let length = 0; length < body.length - 4; length++) {
      assert.throws(
        () => decodeKubernetesProtobuf(body.subarray(0, length)),
        (error: unknown) => error instanceof ProtobufDecodeError,
        `a body cut to ${length} of ${body.length} bytes decoded`,
      );
    }
  });

  it("says what a truncated body was missing", () => {
    const body = fixture("deployment.bin");
    assert.throws(() => decodeKubernetesProtobuf(body.subarray(0, 100)), {
      name: "ProtobufDecodeError",
      message: /^the protobuf body is truncated: Unknown field 2 needs \d+ bytes but only \d+ remain$/,
    });
    assert.throws(() => decodeKubernetesProtobuf(body.subarray(0, 2)), /"k8s\\0" magic bytes/);
  });

  it("rejects a body without the magic bytes, such as JSON", () => {
    assert.throws(() => decodeKubernetesProtobuf(Buffer.from('{"kind":"Namespace"}')), ProtobufDecodeError);
  });

  it("throws ProtobufUnsupportedError naming a kind it has no table for", () => {
    // kubectl create job j1 --image=busybox -- echo hi
    assert.throws(
      () => decodeFixture("job"),
      (error: unknown) => {
        assert.ok(error instanceof ProtobufUnsupportedError);
        assert.equal(error.apiVersion, "batch/v1");
        assert.equal(error.kind, "Job");
        assert.match(error.message, /batch\/v1 Job/);
        return true;
      },
    );
  });

  it("treats a known kind under another apiVersion as unsupported", () => {
    const raw = len(1, len(1, "x"));
    assert.throws(() => decodeKubernetesProtobuf(envelope("extensions/v1beta1", "Deployment", raw)), {
      name: "ProtobufUnsupportedError",
    });
  });

  it("rejects a compressed payload, a missing kind, a wrong wire type and an impossible time", () => {
    const raw = len(1, len(1, "x"));
    const gzipped = Buffer.concat([envelope("v1", "Namespace", raw), len(3, "gzip")]);
    assert.throws(() => decodeKubernetesProtobuf(gzipped), /content encoding "gzip"/);
    assert.throws(
      () => decodeKubernetesProtobuf(envelope("v1", "", raw)),
      /does not name its apiVersion and kind/,
    );
    // metadata.name as a varint instead of a string
    const wrongWire = len(1, num(1, 7));
    assert.throws(() => decodeKubernetesProtobuf(envelope("v1", "Namespace", wrongWire)), {
      name: "ProtobufDecodeError",
      message: /Namespace\.metadata\.name has wire type 0, expected 2/,
    });
    const farFuture = len(1, len(8, num(1, 2 ** 60)));
    assert.throws(() => decodeKubernetesProtobuf(envelope("v1", "Namespace", farFuture)), {
      name: "ProtobufDecodeError",
      message: /Namespace\.metadata\.creationTimestamp is out of range/,
    });
  });
});

describe("decodeKubernetesProtobuf field handling", () => {
  it("decodes metadata: timestamps, owner references, finalizers, generateName", () => {
    const metadata = Buffer.concat([
      len(2, "web-"),
      len(3, "default"),
      num(7, 4),
      len(8, Buffer.concat([num(1, 1714979289), num(2, 123)])), // 2024-05-06T07:08:09.000000123Z
      len(9, Buffer.alloc(0)), // a zero Time, which Go marshals as null
      num(10, 0), // deletionGracePeriodSeconds is a pointer, so an explicit 0 stays
      mapEntry(11, "app", "web"),
      mapEntry(12, "note", "x"),
      len(
        13,
        Buffer.concat([
          len(5, "apps/v1"),
          len(1, "ReplicaSet"),
          len(3, "web-abc"),
          len(4, "uid-1"),
          num(6, 1),
          num(7, 0),
        ]),
      ),
      len(14, "example.com/a"),
      len(14, "example.com/b"),
    ]);
    const decoded = decodeKubernetesProtobuf(envelope("v1", "ConfigMap", len(1, metadata)));
    assert.deepEqual(decoded.metadata, {
      generateName: "web-",
      namespace: "default",
      generation: 4,
      creationTimestamp: "2024-05-06T07:08:09Z",
      deletionGracePeriodSeconds: 0,
      labels: { app: "web" },
      annotations: { note: "x" },
      ownerReferences: [
        {
          apiVersion: "apps/v1",
          kind: "ReplicaSet",
          name: "web-abc",
          uid: "uid-1",
          controller: true,
          blockOwnerDeletion: false,
        },
      ],
      finalizers: ["example.com/a", "example.com/b"],
    });
  });

  it("keeps explicit zeros of pointer fields and drops zeros of omitempty ones", () => {
    const configMap = decodeKubernetesProtobuf(
      envelope("v1", "ConfigMap", Buffer.concat([len(1), num(4, 0)])),
    );
    assert.deepEqual(configMap, { apiVersion: "v1", kind: "ConfigMap", metadata: {}, immutable: false });

    const spec = Buffer.concat([num(1, 0), num(5, 0), num(7, 0)]); // replicas, minReadySeconds, paused
    const deployment = decodeKubernetesProtobuf(envelope("apps/v1", "Deployment", len(2, spec)));
    assert.deepEqual(deployment.spec, { replicas: 0 });
  });

  it("decodes IntOrString strings, negative numbers, packed lists and secret immutability", () => {
    const strategy = len(
      4,
      Buffer.concat([
        len(1, "RollingUpdate"),
        len(2, Buffer.concat([len(1, intOrStr(0, 0)), len(2, Buffer.concat([num(1, 1), len(3, "25%")]))])),
      ]),
    );
    const podSpec = Buffer.concat([
      len(2, len(1, "c")),
      num(25, -5), // priority: a negative int32 travels as a ten-byte varint
      len(14, len(4, Buffer.from([0xb8, 0x17, 0xa0, 0x1f]))), // supplementalGroups packed: 3000, 4000
    ]);
    const spec = Buffer.concat([strategy, len(3, len(2, podSpec))]);
    const deployment = decodeKubernetesProtobuf(envelope("apps/v1", "Deployment", len(2, spec)));
    assert.deepEqual(deployment.spec, {
      strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: "25%" } },
      template: {
        spec: {
          containers: [{ name: "c" }],
          priority: -5,
          securityContext: { supplementalGroups: [3000, 4000] },
        },
      },
    });

    const secret = decodeKubernetesProtobuf(
      envelope(
        "v1",
        "Secret",
        Buffer.concat([len(1), num(5, 1), len(4, Buffer.concat([len(1, "k"), len(2, "v")]))]),
      ),
    );
    assert.deepEqual(secret, {
      apiVersion: "v1",
      kind: "Secret",
      metadata: {},
      immutable: true,
      stringData: { k: "v" },
    });
  });

  it("skips unknown fields of every wire type", () => {
    const unknownFields = Buffer.concat([
      num(99, 123456789),
      Buffer.concat([tag(98, 1), Buffer.alloc(8, 0xff)]),
      len(97, "ignored"),
      Buffer.concat([tag(96, 5), Buffer.alloc(4, 0xff)]),
    ]);
    const raw = Buffer.concat([
      unknownFields,
      len(1, Buffer.concat([unknownFields, len(1, "demo")])),
      unknownFields,
    ]);
    assert.deepEqual(decodeKubernetesProtobuf(envelope("v1", "Namespace", raw)), {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "demo" },
    });
  });
});

describe("isKubernetesProtobuf", () => {
  it("matches the protobuf media type with or without parameters", () => {
    assert.equal(isKubernetesProtobuf("application/vnd.kubernetes.protobuf"), true);
    assert.equal(isKubernetesProtobuf("Application/VND.Kubernetes.Protobuf; charset=binary"), true);
    assert.equal(isKubernetesProtobuf("application/json"), false);
    assert.equal(isKubernetesProtobuf("application/vnd.kubernetes.protobuf+json"), false);
    assert.equal(isKubernetesProtobuf(undefined), false);
  });
});

// ---- a minimal protobuf writer for hand-made bodies ----

function varint(value: number | bigint): Buffer {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    const low = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v ? low | 0x80 : low);
  } while (v);
  return Buffer.from(out);
}

function tag(field: number, wireType: number): Buffer {
  return varint((field << 3) | wireType);
}

function num(field: number, value: number): Buffer {
  return Buffer.concat([tag(field, 0), varint(value)]);
}

function len(field: number, payload: Buffer | string = Buffer.alloc(0)): Buffer {
  const bytes = typeof payload === "string" ? Buffer.from(payload) : payload;
  return Buffer.concat([tag(field, 2), varint(bytes.length), bytes]);
}

function mapEntry(field: number, key: string, value: string): Buffer {
  return len(field, Buffer.concat([len(1, key), len(2, value)]));
}

function intOrStr(type: number, intVal: number): Buffer {
  return Buffer.concat([num(1, type), num(2, intVal), len(3, "")]);
}

function envelope(apiVersion: string, kind: string, raw: Buffer): Buffer {
  const typeMeta = Buffer.concat([len(1, apiVersion), len(2, kind)]);
  return Buffer.concat([Buffer.from("k8s\0", "latin1"), len(1, typeMeta), len(2, raw)]);
}
