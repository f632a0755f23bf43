/**
 * Messages and handlers shared by every benchmark. Each handler class carries both the
 * nestjs-cqrs-lite and the @nestjs/cqrs decorator, so that every library runs exactly the same
 * handler code. Plain JavaScript has no decorator syntax: the decorators are applied with
 * `Reflect.decorate`, which is what TypeScript's legacy decorators compile to.
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  CommandHandler as NestCommandHandler,
  CqrsModule,
  QueryHandler as NestQueryHandler,
} from '@nestjs/cqrs';
import {
  CommandHandler as LiteCommandHandler,
  CqrsLiteModule,
  QueryHandler as LiteQueryHandler,
} from 'nestjs-cqrs-lite';

/** A command. */
export class Ping {
  constructor(n) {
    this.n = n;
  }
}

/** A query whose result is `n * 2`. */
export class GetDouble {
  constructor(n) {
    this.n = n;
  }
}

/** A command whose handler reads its message context. */
export class TracedPing {
  constructor(n) {
    this.n = n;
  }
}

/** A query whose handler reads its message context. */
export class TracedGetDouble {
  constructor(n) {
    this.n = n;
  }
}

/** The usual shape of a Nest command handler: an async `execute` that does a little work. */
export class PingHandler {
  count = 0;
  async execute(command) {
    this.count += command.n;
  }
}

/** The usual shape of a Nest query handler. */
export class GetDoubleHandler {
  async execute(query) {
    return query.n * 2;
  }
}

/** Reads `context.correlationId`, which needs `context.id`, so the UUID is generated. */
export class TracedPingHandler {
  count = 0;
  last = '';
  async execute(command, context) {
    this.last = context.correlationId;
    this.count += command.n;
  }
}

/** Reads `context.correlationId`, which needs `context.id`, so the UUID is generated. */
export class TracedGetDoubleHandler {
  last = '';
  async execute(query, context) {
    this.last = context.correlationId;
    return query.n * 2;
  }
}

Reflect.decorate([LiteCommandHandler(Ping), NestCommandHandler(Ping)], PingHandler);
Reflect.decorate([LiteQueryHandler(GetDouble), NestQueryHandler(GetDouble)], GetDoubleHandler);
Reflect.decorate([LiteCommandHandler(TracedPing)], TracedPingHandler);
Reflect.decorate([LiteQueryHandler(TracedGetDouble)], TracedGetDoubleHandler);

/** A pass-through middleware as a plain function (a fresh function object per call). */
export function passThrough() {
  return function passThroughMiddleware(message, next) {
    return next();
  };
}

/** `count` pass-through middleware. */
export function passThroughChain(count) {
  return Array.from({ length: count }, passThrough);
}

/** A fresh root module class (Nest identifies modules by class, so every app gets its own). */
export function rootModule(name, metadata) {
  const moduleClass = { [name]: class {} }[name];
  Reflect.decorate([Module(metadata)], moduleClass);
  return moduleClass;
}

/** An application context with `CqrsLiteModule.forRoot(options)` and the given handlers. */
export function createLiteApp(providers, options = {}) {
  const AppModule = rootModule('LiteAppModule', {
    imports: [CqrsLiteModule.forRoot(options)],
    providers,
  });
  return NestFactory.createApplicationContext(AppModule, { logger: false });
}

/** An application context with @nestjs/cqrs's `CqrsModule.forRoot()` and the given handlers. */
export function createNestCqrsApp(providers) {
  const AppModule = rootModule('NestCqrsAppModule', {
    imports: [CqrsModule.forRoot()],
    providers,
  });
  return NestFactory.createApplicationContext(AppModule, { logger: false });
}

/** An application context with the given providers and no CQRS module (Nest's own bootstrap cost). */
export function createPlainApp(providers) {
  const AppModule = rootModule('PlainAppModule', { providers });
  return NestFactory.createApplicationContext(AppModule, { logger: false });
}
