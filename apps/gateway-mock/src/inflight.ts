/**
 * Tracks what the mock deliberately leaves open — hung sockets and fault
 * delays — so `app.close()` releases all of it and tests leak no handles.
 */
import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';

export class Inflight {
  #sockets = new Set<Socket>();
  #timers = new Set<NodeJS.Timeout>();
  #closed = false;

  get hungCount(): number {
    return this.#sockets.size;
  }

  /** Never answers: the socket stays open until the client gives up or the server closes. */
  hang(request: FastifyRequest, reply: FastifyReply): void {
    reply.hijack();
    const socket = request.raw.socket;
    if (this.#closed) {
      socket.destroy();
      return;
    }
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
  }

  /** Destroys the connection without answering. */
  reset(request: FastifyRequest, reply: FastifyReply): void {
    reply.hijack();
    request.raw.socket.destroy();
  }

  /**
   * Waits `ms`. On close the timer is cleared and the promise never settles:
   * the request it belonged to is dropped with its (force-closed) socket.
   */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.#closed) return;
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        resolve();
      }, ms);
      this.#timers.add(timer);
    });
  }

  releaseAll(): void {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
  }
}
