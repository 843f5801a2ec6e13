// Files that hold credentials (the sandbox's kubeconfig carries its admin token), written so that
// no one else can read them, no symlink can redirect them, and no reader sees half a file.

import {
  closeSync,
  constants,
  fchmodSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { UserError } from "./errors.ts";

/** A new directory only this user can enter (mkdtemp: mode 0700, a name nobody can predict). */
export function privateDirectory(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Writes `content` to `path` as a new file of mode 0600: created exclusively (never following a
 * symlink) in a private directory next to `path`, then renamed into place, which replaces
 * whatever was there (its mode, owner and links included) in one step. A symlink at `path` is
 * refused rather than replaced or followed. Throws a UserError of one sentence.
 */
export function writePrivateFile(path: string, content: string): void {
  checkWritableTarget(path);

  let staging: string;
  try {
    staging = mkdtempSync(join(dirname(path), `.${basename(path)}-`));
  } catch (error) {
    throw cannotWrite(path, error);
  }
  const temporary = join(staging, "file");
  try {
    const fd = openSync(
      temporary,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      0o600,
    );
    try {
      // The umask may take bits away; nothing may add any.
      fchmodSync(fd, 0o600);
      writeSync(fd, content);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (error) {
    throw cannotWrite(path, error);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** What writePrivateFile refuses, checked up front: a symlink, or something not a file. */
export function checkWritableTarget(path: string): void {
  const existing = lstatOrUndefined(path);
  if (existing?.isSymbolicLink())
    throw new UserError(
      `${path} is a symbolic link; files holding credentials are written only as regular files, so give the path of one.`,
    );
  if (existing && !existing.isFile())
    throw new UserError(`${path} exists and is not a regular file; give the path of a file to write.`);
}

function lstatOrUndefined(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

function cannotWrite(path: string, error: unknown): UserError {
  const code = (error as NodeJS.ErrnoException).code ?? String(error);
  return new UserError(`cannot write ${path} (${code}); check that its directory exists and is writable.`);
}

/**
 * A directory of the caller's for files that hold credentials (`workshop setup --out`): made
 * (mode 0700) when missing; refused when it is a symbolic link or not a directory, so nothing is
 * written where a link points.
 */
export function ensurePrivateDirectory(dir: string): void {
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
