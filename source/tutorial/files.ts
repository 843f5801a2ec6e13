// Which file a copied command should name. The stages word their commands with the paths of an
// Istio release (samples/bookinfo/...), as Istio's own tutorial does; the tour applies its own
// copies of those files (manifests/, same names). A person copying a command needs a file they
// have: the tour's copy where it is on disk, else the release path with a note saying so.

/** Where the tour's copies of the tutorial files are, as the person can type the path. */
export interface TourFiles {
  /** "manifests" (a checkout, from its root) or an absolute directory; null: none on disk. */
  dir: string | null;
  /** The file names found there, such as "bookinfo.yaml". */
  names: ReadonlySet<string>;
}

export const NO_TOUR_FILES: TourFiles = { dir: null, names: new Set() };

const RELEASE_PATH = /(^|[\s=])samples\/bookinfo\/(?:[\w.-]+\/)*([\w.-]+\.yaml)\b/g;

/** The command with each Istio release path the tour has its own copy of replaced by that copy. */
export function withTourFiles(command: string, files: TourFiles): string {
  const dir = files.dir;
  if (dir === null) return command;
  return command.replace(RELEASE_PATH, (whole, before: string, name: string) =>
    files.names.has(name) ? `${before}${quotedPath(`${dir}/${name}`)}` : whole,
  );
}

/** Whether any of the commands still names a file by its place in an Istio release. */
export function namesReleaseFiles(commands: readonly string[]): boolean {
  return commands.some((c) => new RegExp(RELEASE_PATH.source).test(c));
}

/** The note beside commands that name release paths: where those files are. */
export const RELEASE_FILES_NOTE = "paths as in an Istio release: run them from the istio-<version> directory";

/** A path as a shell reads it: quoted when it holds anything but plain path characters. */
function quotedPath(path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replaceAll("'", "'\\''")}'`;
}
