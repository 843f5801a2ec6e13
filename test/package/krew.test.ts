import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { load } from "js-yaml";

// The krew manifest, in krew's v1alpha2 Plugin format, and the release step that fills in each
// platform's archive address and sha256.

const run = promisify(execFile);
const root = fileURLToPath(new URL("../..", import.meta.url));
const version = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version as string;
const dir = mkdtempSync(join(tmpdir(), "bookinfo-krew-"));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Platform {
  selector: { matchLabels: { os: string; arch: string } };
  uri: string;
  sha256: string;
  bin: string;
  files: { from: string; to: string }[];
}
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: {
    version: string;
    homepage: string;
    shortDescription: string;
    description: string;
    platforms: Platform[];
  };
}

const PLATFORMS = ["linux/amd64", "linux/arm64", "darwin/amd64", "darwin/arm64"];
const FILES = [
  { from: "kubectl-bookinfo", to: "." },
  { from: "manifests/*.yaml", to: "manifests" },
];
const archiveName = (platform: string) => `kubectl-bookinfo_v${version}_${platform.replace("/", "_")}.tar.gz`;
const platformOf = (p: Platform) => `${p.selector.matchLabels.os}/${p.selector.matchLabels.arch}`;

describe("plugins/bookinfo.yaml", () => {
  const manifest = load(readFileSync(join(root, "plugins/bookinfo.yaml"), "utf8")) as Manifest;

  test("is a krew v1alpha2 Plugin named as its file, at the package's version", () => {
    assert.equal(manifest.apiVersion, "krew.googlecontainertools.github.com/v1alpha2");
    assert.equal(manifest.kind, "Plugin");
    assert.equal(manifest.metadata.name, "bookinfo");
    assert.equal(manifest.spec.version, `v${version}`, "spec.version follows package.json");
    assert.ok(manifest.spec.shortDescription.length > 0 && manifest.spec.shortDescription.length <= 70);
    assert.ok(manifest.spec.description.trim().length > 0);
  });

  test("has linux and darwin, amd64 and arm64, each with its archive, a sha256 to fill, the bin and files", () => {
    assert.deepEqual(manifest.spec.platforms.map(platformOf), PLATFORMS);
    for (const platform of manifest.spec.platforms) {
      const name = platformOf(platform);
      assert.deepEqual(Object.keys(platform.selector), ["matchLabels"], name);
      assert.equal(platform.uri, `{{RELEASE_URL}}/${archiveName(name)}`);
      assert.equal(platform.sha256, `{{SHA256_${name.replace("/", "_").toUpperCase()}}}`);
      assert.equal(platform.bin, "kubectl-bookinfo");
      assert.deepEqual(platform.files, FILES);
    }
  });
});

describe("npm run release", () => {
  test("packs the executable with the manifests, and fills in addresses and sha256s", async () => {
    const fakeExecutable = join(dir, "kubectl-bookinfo");
    writeFileSync(fakeExecutable, "#!/bin/sh\necho stands in for the executable\n");
    const signedElsewhere = join(dir, "darwin-arm64.tar.gz");
    writeFileSync(signedElsewhere, "an archive built and signed on a Mac");
    const out = join(dir, "release");
    const result = await run(
      process.execPath,
      [
        "scripts/release.js",
        "--url",
        "https://downloads.example/kubectl-bookinfo/v1/",
        "--homepage",
        "https://example.org/kubectl-bookinfo",
        "--binary",
        `linux/amd64=${fakeExecutable}`,
        "--archive",
        `darwin/arm64=${signedElsewhere}`,
        "--out",
        out,
      ],
      { cwd: root },
    );
    assert.match(result.stdout, /left out linux\/arm64, darwin\/amd64 \(no archive\)/);

    const linux = join(out, archiveName("linux/amd64"));
    const { stdout: listing } = await run("tar", ["tzf", linux]);
    const entries = listing.trim().split("\n");
    assert.ok(entries.includes("kubectl-bookinfo"), listing);
    assert.ok(entries.includes("manifests/bookinfo.yaml"), listing);
    assert.ok(entries.includes("manifests/virtual-service-all-v1.yaml"), listing);

    const text = readFileSync(join(out, "bookinfo.yaml"), "utf8");
    assert.doesNotMatch(text, /\{\{|^#/m, "every placeholder filled, the template's note gone");
    const filled = load(text) as Manifest;
    assert.equal(filled.spec.homepage, "https://example.org/kubectl-bookinfo");
    const sha = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");
    assert.deepEqual(
      filled.spec.platforms.map((p) => [platformOf(p), p.uri, p.sha256]),
      [
        [
          "linux/amd64",
          `https://downloads.example/kubectl-bookinfo/v1/${archiveName("linux/amd64")}`,
          sha(linux),
        ],
        [
          "darwin/arm64",
          `https://downloads.example/kubectl-bookinfo/v1/${archiveName("darwin/arm64")}`,
          sha(signedElsewhere),
        ],
      ],
    );
  });

  test("without --url it says what is missing, in one line", async () => {
    const failed = await run(process.execPath, ["scripts/release.js", "--homepage", "https://example.org"], {
      cwd: root,
    }).catch((error: { code: number; stderr: string }) => error);
    assert.equal((failed as { code: number }).code, 1);
    assert.equal(
      (failed as { stderr: string }).stderr,
      "error: --url is required: where the archives will be downloaded from\n",
    );
  });
});
