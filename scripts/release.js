// Makes the krew release: one archive per platform (the single-file executable and the tour's
// manifests beside it, as plugins/bookinfo.yaml's `files` expect), and the manifest with each
// archive's address and sha256 filled in.
//
//   npm run release -- --url https://example.com/releases/v0.1.0 --homepage URL
//       [--build os/arch[=NODE]]... [--binary os/arch=FILE]... [--archive os/arch=FILE]...
//
// --build makes the executable from a Node binary of that platform (default: this machine's,
// from the `node` dev dependency); --binary packs an executable built elsewhere (macOS ones must
// be signed there: codesign --sign -); --archive takes a finished archive as it is. With none,
// the archive for this machine is built. Platforms without an archive are left out of the
// manifest, and said so.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

export const PLATFORMS = ["linux/amd64", "linux/arm64", "darwin/amd64", "darwin/arm64"];

/** The archive's name for a platform, as the manifest's uris name it. */
export const archiveName = (version, platform) =>
  `kubectl-bookinfo_v${version}_${platform.replace("/", "_")}.tar.gz`;

/** The manifest template with the addresses and checksums in; platforms without an archive dropped. */
export function fillManifest(template, { version, url, homepage, sha256s }) {
  if (!template.includes(`version: "v${version}"`)) {
    throw new Error(
      `plugins/bookinfo.yaml is not for version v${version} (package.json's): update its version and uris`,
    );
  }
  const blocks = template.split(/\n(?= {4}- selector:)/);
  const head = blocks.shift();
  const kept = blocks.filter((block) => {
    const os = /os: (\w+)/.exec(block)?.[1];
    const arch = /arch: (\w+)/.exec(block)?.[1];
    return sha256s[`${os}/${arch}`] !== undefined;
  });
  let text = [head, ...kept].join("\n");
  text = text.replaceAll("{{RELEASE_URL}}", url.replace(/\/$/, "")).replaceAll("{{HOMEPAGE}}", homepage);
  for (const [platform, sha256] of Object.entries(sha256s)) {
    text = text.replaceAll(`{{SHA256_${platform.replace("/", "_").toUpperCase()}}}`, sha256);
  }
  // The explanation of the placeholders is not for the published manifest.
  text = text.replace(/^(#.*\n)+/, "");
  const left = /\{\{\w+\}\}/.exec(text);
  if (left) throw new Error(`${left[0]} was not filled in`);
  return text;
}

/** tar.gz of the executable and the manifests, laid out as the manifest's `files` expect. */
export function packArchive(executable, manifestsDir, archive, work) {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(join(work, "manifests"), { recursive: true });
  copyFileSync(executable, join(work, "kubectl-bookinfo"));
  chmodSync(join(work, "kubectl-bookinfo"), 0o755);
  for (const name of readdirSync(manifestsDir).filter((n) => n.endsWith(".yaml"))) {
    copyFileSync(join(manifestsDir, name), join(work, "manifests", name));
  }
  execFileSync("tar", ["-czf", archive, "-C", work, "kubectl-bookinfo", "manifests"]);
  rmSync(work, { recursive: true, force: true });
}

export const sha256Of = (file) => createHash("sha256").update(readFileSync(file)).digest("hex");

function hostPlatform() {
  const arch = { x64: "amd64", arm64: "arm64" }[process.arch] ?? process.arch;
  return `${process.platform}/${arch}`;
}

function pairs(values, withValue) {
  return (values ?? []).map((entry) => {
    const [platform, file] = entry.split("=");
    if (!PLATFORMS.includes(platform)) throw new Error(`${platform} is not one of ${PLATFORMS.join(", ")}`);
    if (withValue && !file) throw new Error(`${entry}: give the file as ${platform}=FILE`);
    return { platform, file: file ? resolve(file) : undefined };
  });
}

async function main() {
  const { values } = parseArgs({
    options: {
      url: { type: "string" },
      homepage: { type: "string" },
      build: { type: "string", multiple: true },
      binary: { type: "string", multiple: true },
      archive: { type: "string", multiple: true },
      out: { type: "string", default: "dist-release" },
    },
  });
  if (!values.url) throw new Error("--url is required: where the archives will be downloaded from");
  if (!values.homepage) throw new Error("--homepage is required: the project's page, for krew's listing");
  const version = JSON.parse(readFileSync("package.json", "utf8")).version;
  const out = resolve(values.out);
  mkdirSync(out, { recursive: true });
  const builds = pairs(values.build, false);
  const binaries = pairs(values.binary, true);
  const archives = pairs(values.archive, true);
  if (builds.length + binaries.length + archives.length === 0) builds.push({ platform: hostPlatform() });

  const sha256s = {};
  for (const { platform, file } of builds) {
    const executable = join(out, ".build", platform.replace("/", "_"), "kubectl-bookinfo");
    const node = file ?? process.execPath;
    execFileSync(process.execPath, ["scripts/build-sea.js", "--node", node, "--out", executable], {
      stdio: "inherit",
    });
    if (platform.startsWith("darwin") && process.platform !== "darwin") {
      process.stderr.write(
        `${platform}: sign it on a Mac before publishing (codesign --sign - kubectl-bookinfo)\n`,
      );
    }
    binaries.push({ platform, file: executable });
  }
  for (const { platform, file } of binaries) {
    const archive = join(out, archiveName(version, platform));
    packArchive(file, resolve("manifests"), archive, join(out, ".pack"));
    archives.push({ platform, file: archive });
  }
  for (const { platform, file } of archives) {
    if (!existsSync(file)) throw new Error(`${file} does not exist`);
    sha256s[platform] = sha256Of(file);
  }
  rmSync(join(out, ".build"), { recursive: true, force: true });

  const manifest = fillManifest(readFileSync("plugins/bookinfo.yaml", "utf8"), {
    version,
    url: values.url,
    homepage: values.homepage,
    sha256s,
  });
  writeFileSync(join(out, "bookinfo.yaml"), manifest);
  const missing = PLATFORMS.filter((p) => !sha256s[p]);
  process.stdout.write(
    `Wrote ${join(out, "bookinfo.yaml")} for ${Object.keys(sha256s).join(", ")}` +
      (missing.length ? `; left out ${missing.join(", ")} (no archive)` : "") +
      `. Upload ${Object.keys(sha256s)
        .map((p) => archiveName(version, p))
        .join(", ")} to ${values.url}.\n`,
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    process.stderr.write(`error: ${error.message}\n`);
    process.exit(1);
  });
}
