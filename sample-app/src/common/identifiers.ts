/** What user and order ids may look like: 1–64 letters, digits, `-` or `_` (safe in URLs). */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** The message class-validator reports for an id that does not match `ID_PATTERN`. */
export const ID_MESSAGE = '$property must be 1-64 letters, digits, "-" or "_"';
