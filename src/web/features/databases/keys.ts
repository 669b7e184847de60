/** The query keys of the databases feature: every change refreshes everything under `databases`. */
export const DATABASES_KEY = ['databases'] as const;
export const databaseKey = (id: string) => [...DATABASES_KEY, 'one', id] as const;
export const engineUsersKey = (engine: string) => [...DATABASES_KEY, 'users', engine] as const;
export const exportsKey = (id: string) => [...DATABASES_KEY, 'exports', id] as const;
export const REDIS_KEY = ['redis'] as const;
