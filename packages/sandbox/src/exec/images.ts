import { bookinfoImage } from "../istio/seed.ts";
import type { Container } from "../kube.ts";

// What `kubectl exec` finds inside a container, by image: the executables on PATH, the
// working directory, the user, the image's own environment and the files it ships. The
// Bookinfo images are Debian-based (python, ruby, node) or Liberty on Ubuntu; Istio's proxy is
// Ubuntu-based; anything else is treated like a small Debian image.

export interface ImageProfile {
  /** Executable name -> its path. */
  binaries: Record<string, string>;
  workdir: string;
  user: { name: string; uid: number; gid: number; home: string };
  /** ENV lines of the image, in their order. */
  env: [string, string][];
  /** Files the image ships (path -> contents); directories are implied by the paths. */
  files: Record<string, string>;
  /** The shell /bin/sh is: Debian's dash, or bash. */
  sh: "dash" | "bash";
}

const DEBIAN_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

const COMMON = [
  "sh",
  "bash",
  "cat",
  "env",
  "printenv",
  "hostname",
  "ls",
  "echo",
  "grep",
  "head",
  "tail",
  "wc",
  "sleep",
  "true",
  "false",
  "pwd",
  "id",
  "whoami",
  "date",
  "uname",
  "which",
  "stty",
  "seq",
  "curl",
];

function binaries(names: string[], extra: Record<string, string> = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names)
    out[name] = name === "sh" || name === "bash" ? `/bin/${name}` : `/usr/bin/${name}`;
  return { ...out, ...extra };
}

const ROOT_DIRS = [
  "bin",
  "boot",
  "dev",
  "etc",
  "home",
  "lib",
  "media",
  "mnt",
  "opt",
  "proc",
  "root",
  "run",
  "sbin",
  "srv",
  "sys",
  "tmp",
  "usr",
  "var",
];

/** Marks a directory that exists but is empty. */
export const DIRECTORY = "\0dir";

const dirs = (paths: string[]): Record<string, string> =>
  Object.fromEntries(paths.map((path) => [path, DIRECTORY]));

const BASE_FILES: Record<string, string> = {
  ...dirs(ROOT_DIRS.map((d) => `/${d}`)),
  "/etc/os-release":
    'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\nHOME_URL="https://www.debian.org/"\n',
};

const bookinfoUser = { name: "bookinfo", uid: 1000, gid: 1000, home: "/home/bookinfo" };

const PROFILES: Record<string, ImageProfile> = {
  productpage: {
    binaries: binaries([...COMMON, "python", "python3", "gunicorn", "pip"], {
      python: "/usr/local/bin/python",
      python3: "/usr/local/bin/python3",
      gunicorn: "/usr/local/bin/gunicorn",
      pip: "/usr/local/bin/pip",
    }),
    workdir: "/opt/microservices",
    user: bookinfoUser,
    env: [
      ["PATH", DEBIAN_PATH],
      ["LANG", "C.UTF-8"],
      ["PYTHON_VERSION", "3.12.7"],
    ],
    files: {
      ...BASE_FILES,
      "/opt/microservices/productpage.py": "#!/usr/bin/python\n# Bookinfo product page (Flask)\n",
      "/opt/microservices/requirements.txt": "Flask\ngunicorn\ngevent\nrequests\nprometheus_client\n",
      ...dirs(["/opt/microservices/static", "/opt/microservices/templates", "/opt/microservices/tests"]),
    },
    sh: "dash",
  },
  details: {
    binaries: binaries([...COMMON, "ruby", "gem"], {
      ruby: "/usr/local/bin/ruby",
      gem: "/usr/local/bin/gem",
    }),
    workdir: "/opt/microservices",
    user: bookinfoUser,
    env: [
      ["PATH", `/usr/local/bundle/bin:${DEBIAN_PATH}`],
      ["LANG", "C.UTF-8"],
      ["RUBY_VERSION", "3.3.5"],
      ["GEM_HOME", "/usr/local/bundle"],
    ],
    files: {
      ...BASE_FILES,
      "/opt/microservices/details.rb": "#!/usr/bin/ruby\n# Bookinfo details (WEBrick)\n",
    },
    sh: "dash",
  },
  ratings: {
    binaries: binaries([...COMMON, "node", "npm"], {
      node: "/usr/local/bin/node",
      npm: "/usr/local/bin/npm",
    }),
    workdir: "/opt/microservices",
    user: { name: "node", uid: 1000, gid: 1000, home: "/home/node" },
    env: [
      ["PATH", DEBIAN_PATH],
      ["NODE_VERSION", "22.11.0"],
      ["YARN_VERSION", "1.22.22"],
    ],
    files: {
      ...BASE_FILES,
      "/opt/microservices/ratings.js": "// Bookinfo ratings (Node.js)\n",
      "/opt/microservices/package.json":
        '{\n  "name": "ratings",\n  "version": "1.0.0",\n  "main": "ratings.js",\n  "dependencies": {\n    "httpdispatcher": "1.0.0",\n    "mongodb": "^6.0.0",\n    "mysql": "^2.15.0"\n  }\n}\n',
      ...dirs(["/opt/microservices/node_modules"]),
    },
    sh: "dash",
  },
  reviews: {
    binaries: binaries([...COMMON, "java", "server"], {
      java: "/opt/java/openjdk/bin/java",
      server: "/opt/ol/wlp/bin/server",
    }),
    workdir: "/opt/ol/wlp",
    user: { name: "default", uid: 1001, gid: 0, home: "/home/default" },
    env: [
      ["PATH", `/opt/java/openjdk/bin:/opt/ol/wlp/bin:${DEBIAN_PATH}`],
      ["JAVA_HOME", "/opt/java/openjdk"],
      ["WLP_OUTPUT_DIR", "/opt/ol/wlp/output"],
    ],
    files: {
      ...BASE_FILES,
      ...dirs([
        "/opt/ol/wlp/bin",
        "/opt/ol/wlp/lib",
        "/opt/ol/wlp/output",
        "/opt/ol/wlp/usr",
        "/opt/ol/wlp/dev",
      ]),
      "/opt/ol/wlp/usr/servers/defaultServer/server.xml": '<server description="Sample Liberty server"/>\n',
    },
    sh: "bash",
  },
  proxy: {
    binaries: binaries([...COMMON, "pilot-agent", "envoy"], {
      "pilot-agent": "/usr/local/bin/pilot-agent",
      envoy: "/usr/local/bin/envoy",
    }),
    workdir: "/",
    user: { name: "istio-proxy", uid: 1337, gid: 1337, home: "/home/istio-proxy" },
    env: [["PATH", DEBIAN_PATH]],
    files: { ...BASE_FILES, ...dirs(["/etc/istio/proxy", "/var/lib/istio/data"]) },
    sh: "dash",
  },
  other: {
    binaries: binaries(COMMON),
    workdir: "/",
    user: { name: "root", uid: 0, gid: 0, home: "/root" },
    env: [["PATH", DEBIAN_PATH]],
    files: BASE_FILES,
    sh: "dash",
  },
};

export function imageProfile(container: Container): ImageProfile {
  const image = container.image ?? "";
  if (container.name === "istio-proxy" || /\/proxyv2[:@]/.test(image)) return PROFILES.proxy!;
  const app = bookinfoImage(image)?.app;
  return (app && PROFILES[app]) || PROFILES.other!;
}
