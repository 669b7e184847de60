import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { idParamsSchema, okSchema } from '../../../contract/auth.js';
import {
  adoptDatabaseBodySchema,
  createDatabaseBodySchema,
  createDatabaseUserBodySchema,
  createdDatabaseSchema,
  databaseEngineSchema,
  databaseDetailSchema,
  databaseListQuerySchema,
  databaseSchema,
  databaseUserParamsSchema,
  databaseUserSchema,
  deleteDatabaseQuerySchema,
  engineUserSchema,
  revealedPasswordSchema,
  updateDatabaseBodySchema,
  unmanagedDatabaseSchema,
  updateDatabaseUserBodySchema,
} from '../../../contract/databases.js';
import { errorResponses } from '../../../contract/errors.js';
import { agentCredentialsOf } from '../../agent/credentials.js';
import type { DatabaseService } from './service.js';

/** What a route that reaches a database server through the agent may answer besides success. */
export const failures = errorResponses(400, 403, 404, 409, 502, 503);
const userWithPassword = databaseUserSchema.extend({ password: z.string().optional() });

/** Databases and their users on the host's MariaDB and PostgreSQL; every change is audited. */
export function databaseRoutes(deps: { databases: DatabaseService }): FastifyPluginAsyncZod {
  const { databases } = deps;
  return async (app) => {
    app.get(
      '/databases',
      {
        schema: {
          tags: ['databases'],
          summary: 'Databases Diwan manages, with size, tables, charset and collation from the server',
          querystring: databaseListQuerySchema,
          response: { 200: z.object({ databases: z.array(databaseSchema) }), ...failures },
        },
      },
      async (request) => ({
        databases: await databases.list(request.query.engine, agentCredentialsOf(request)),
      }),
    );

    app.get(
      '/databases/users',
      {
        schema: {
          tags: ['databases'],
          summary: 'Every user of an engine with the databases it has (to grant one on another database)',
          querystring: z.object({ engine: databaseEngineSchema }),
          response: { 200: z.object({ users: z.array(engineUserSchema) }), ...failures },
        },
      },
      async (request) => ({ users: await databases.engineUsers(request.query.engine) }),
    );

    app.post(
      '/databases',
      {
        config: { audit: 'database.create' },
        schema: {
          tags: ['databases'],
          summary: 'Creates a database and its user (the password is shown once when Diwan made it)',
          body: createDatabaseBodySchema,
          response: { 201: createdDatabaseSchema, ...failures },
        },
      },
      async (request, reply) => {
        const actor = request.principal?.user.username ?? null;
        const created = await databases.create(request.body, actor, agentCredentialsOf(request));
        return reply.code(201).send(created);
      },
    );

    app.get(
      '/databases/unmanaged',
      {
        schema: {
          tags: ['databases'],
          summary: "Databases on the engine's server that Diwan does not manage yet",
          querystring: z.object({ engine: databaseEngineSchema }),
          response: { 200: z.object({ databases: z.array(unmanagedDatabaseSchema) }), ...failures },
        },
      },
      async (request) => ({
        databases: await databases.unmanaged(request.query.engine, agentCredentialsOf(request)),
      }),
    );

    app.post(
      '/databases/adopt',
      {
        config: { audit: 'database.adopt' },
        schema: {
          tags: ['databases'],
          summary:
            "Takes a database that exists on the server into Diwan's list (its users stay as they are)",
          body: adoptDatabaseBodySchema,
          response: { 201: databaseDetailSchema, ...failures },
        },
      },
      async (request, reply) => {
        const actor = request.principal?.user.username ?? null;
        return reply.code(201).send(await databases.adopt(request.body, actor, agentCredentialsOf(request)));
      },
    );

    app.get(
      '/databases/:id',
      {
        schema: {
          tags: ['databases'],
          summary: 'A database, its users and connection details',
          params: idParamsSchema,
          response: { 200: databaseDetailSchema, ...failures },
        },
      },
      async (request) => databases.get(request.params.id, agentCredentialsOf(request)),
    );

    app.patch(
      '/databases/:id',
      {
        config: { audit: 'database.update' },
        schema: {
          tags: ['databases'],
          summary: 'Changes the character set or collation (MariaDB)',
          params: idParamsSchema,
          body: updateDatabaseBodySchema,
          response: { 200: databaseDetailSchema, ...failures },
        },
      },
      async (request) => databases.update(request.params.id, request.body, agentCredentialsOf(request)),
    );

    app.delete(
      '/databases/:id',
      {
        config: { audit: 'database.delete' },
        schema: {
          tags: ['databases'],
          summary: 'Deletes the database and the users that had only it (confirm with its name)',
          params: idParamsSchema,
          querystring: deleteDatabaseQuerySchema,
          response: { 200: okSchema, ...failures },
        },
      },
      async (request) =>
        databases.remove(request.params.id, request.query.confirm, agentCredentialsOf(request)),
    );

    app.get(
      '/databases/:id/users',
      {
        schema: {
          tags: ['databases'],
          summary: 'Users granted on the database',
          params: idParamsSchema,
          response: { 200: z.object({ users: z.array(databaseUserSchema) }), ...failures },
        },
      },
      async (request) => ({ users: await databases.users(request.params.id) }),
    );

    app.post(
      '/databases/:id/users',
      {
        config: { audit: 'database.user.create' },
        schema: {
          tags: ['databases'],
          summary: 'Creates a user with all privileges on the database (password shown once when made)',
          params: idParamsSchema,
          body: createDatabaseUserBodySchema,
          response: { 201: userWithPassword, ...failures },
        },
      },
      async (request, reply) => {
        const user = await databases.createUser(request.params.id, request.body, agentCredentialsOf(request));
        return reply.code(201).send(user);
      },
    );

    app.patch(
      '/databases/:id/users/:userId',
      {
        config: { audit: 'database.user.update' },
        schema: {
          tags: ['databases'],
          summary:
            "Changes a user's password (given, or generated and shown once), hosts (MariaDB) or remote access (PostgreSQL)",
          params: databaseUserParamsSchema,
          body: updateDatabaseUserBodySchema,
          response: { 200: userWithPassword, ...failures },
        },
      },
      async (request) =>
        databases.updateUser(
          request.params.id,
          request.params.userId,
          request.body,
          agentCredentialsOf(request),
        ),
    );

    app.put(
      '/databases/:id/grants/:userId',
      {
        config: { audit: 'database.grant' },
        schema: {
          tags: ['databases'],
          summary: 'Grants a user of another database all privileges on this one',
          params: databaseUserParamsSchema,
          response: { 200: databaseUserSchema, ...failures },
        },
      },
      async (request) =>
        databases.grant(request.params.id, request.params.userId, agentCredentialsOf(request)),
    );

    app.delete(
      '/databases/:id/grants/:userId',
      {
        config: { audit: 'database.revoke' },
        schema: {
          tags: ['databases'],
          summary: 'Revokes a user on the database; a user left with no database is dropped',
          params: databaseUserParamsSchema,
          response: { 200: okSchema, ...failures },
        },
      },
      async (request) =>
        databases.revoke(request.params.id, request.params.userId, agentCredentialsOf(request)),
    );

    app.post(
      '/databases/:id/users/:userId/reveal-password',
      {
        // POST, not GET: a reveal is audited like a change, and read tokens may not do it.
        config: { audit: 'database.password.reveal' },
        schema: {
          tags: ['databases'],
          summary: "Reveals a user's stored password (audited)",
          params: databaseUserParamsSchema,
          response: { 200: revealedPasswordSchema, ...failures },
        },
      },
      async (request) => databases.revealPassword(request.params.id, request.params.userId),
    );
  };
}
