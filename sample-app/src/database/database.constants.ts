/** DI token of the application's better-sqlite3 `Database` connection. */
export const DATABASE = Symbol('DATABASE');
