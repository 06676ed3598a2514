import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { ROOT } from '../../../scripts/bundle.js';

export interface ComposeService {
  image?: string;
  command?: string[];
  environment?: Record<string, string | number>;
  ports?: string[];
  volumes?: string[];
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
}

/** docker-compose.yml as compose reads it, its `<<: *anchor` merges applied (no Docker needed). */
export function loadCompose(): ComposeFile {
  return parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as ComposeFile;
}

const INIT_FOLDER = '/docker-entrypoint-initdb.d/';

/**
 * The files the postgres service runs when it initialises an empty volume, in the order it runs
 * them (by name in its init folder), as absolute paths on this machine.
 */
export function postgresInitScripts(compose: ComposeFile = loadCompose()): string[] {
  return (compose.services.postgres?.volumes ?? [])
    .map((volume) => volume.split(':'))
    .filter(([, target]) => target?.startsWith(INIT_FOLDER))
    .sort(([, a], [, b]) => String(a).localeCompare(String(b)))
    .map(([source]) => path.resolve(ROOT, String(source)));
}
