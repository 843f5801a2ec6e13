import { randomBytes } from "node:crypto";
import {
  closeSync,
  constants,
  fchmodSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { UserError } from "./errors.ts";

/**
 * A directory for files that hold credentials: made (mode 0700) when missing; refused when it is
 * a symbolic link or not a directory, so nothing is written where a link points.
 */
export function privateDirectory(dir: string): void {
  let stat: ReturnType<typeof lstatSync> | undefined;
  try {
    stat = lstatSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw cannotWrite(dir, error);
  }
  if (stat?.isSymbolicLink())
    throw new UserError(
      `${dir} is a symbolic link; pass the directory it points to, or another one, with --out.`,
    );
  if (stat && !stat.isDirectory())
    throw new UserError(`${dir} is not a directory; pass another one with --out.`);
  if (!stat)
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw cannotWrite(dir, error);
    }
}

/**
 * Writes `text` to `file` readable by this user only (0600), safely: into a new file next to it
 * (created exclusively, never through a symbolic link), flushed, then renamed over `file`. A
 * reader sees the old file or the new one, never half of one; a link at `file` is replaced, not
 * followed.
 */
export function writePrivateFile(file: string, text: string): void {
  const temporary = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString("hex")}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(
      temporary,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      0o600,
    );
    // The mode given to open is masked by the umask; this one is not.
    fchmodSync(fd, 0o600);
    writeSync(fd, text);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temporary, file);
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    rmSync(temporary, { force: true });
    throw cannotWrite(file, error);
  }
}

/** Removes a file we wrote, if it is there; a link is removed, never what it points to. */
export function removeFile(file: string): boolean {
  try {
    unlinkSync(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw cannotWrite(file, error);
  }
}

const cannotWrite = (path: string, error: unknown) =>
  new UserError(
    `cannot write ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)}); check the permissions of --out or pass another directory.`,
  );
