/**
 * The one shape of error every file reader in src/io throws: a message that
 * starts with the file's name, and the name kept on the error. Each format
 * names its own subclass (NpyError, OnnxError, …) so a caller can tell them
 * apart with `instanceof`.
 */

/** An error in one file's content; the message is `${file}: ${detail}`. */
export class FileError extends Error {
  /** The file or source the bytes came from, as named in the message. */
  readonly file: string;
  constructor(file: string, detail: string) {
    super(`${file}: ${detail}`);
    this.name = "FileError";
    this.file = file;
  }
}
